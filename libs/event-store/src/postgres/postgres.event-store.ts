/**
 * The PostgreSQL event store.
 *
 * The sequence-gap problem: positions handed out by a sequence (or any counter) are allocated at
 * insert time but become visible at commit time. If transaction A takes position 10 and B takes 11,
 * and B commits first, a subscriber reading "position > 9" sees 11, moves its cursor to 11 and
 * never sees 10 when A commits a moment later.
 *
 * What we do: every append runs as one call to the `es_append` function (one round trip, one
 * implicit transaction). The function checks idempotency and the expected revision first, without
 * any global lock, then takes a transaction-scoped advisory lock on a key constant for the schema
 * (`pg_advisory_xact_lock`) immediately before it allocates positions (max(position) + 1 ...) and
 * inserts the batch with one multi-row INSERT over unnest(). PostgreSQL releases transaction locks
 * only after the commit is visible to other sessions, so the next appender allocates its positions
 * after the previous batch is visible: positions become visible in commit order, and a reader that
 * sees position n has already got (or can see) everything below n. Readers therefore page with a
 * plain `position > cursor`, no lag window, no gap bookkeeping. A rolled-back append leaves no hole
 * either, because positions are computed, not drawn from a sequence.
 *
 * The cost: appends across all streams are serialized from the lock to the commit, i.e. for one
 * INSERT plus the commit (the WAL flush). Concurrency checks and the JSON parsing of the parameters
 * stay outside the lock, and there is no client round trip while it is held. Throughput is bounded
 * by roughly one commit flush per append; batching events per append is what scales. Concurrent
 * writers to the same stream that both pass the revision check meet the unique (stream_id,
 * revision) index; the loser is retried once through the function, which then reports
 * WrongExpectedVersion (or an idempotent no-op).
 *
 * Live subscriptions wake on LISTEN/NOTIFY (`pg_notify` inside the append, delivered on commit) and
 * poll as a fallback when the listening connection is lost.
 *
 * Tables (in the configured schema): es_events, es_checkpoints; function es_append. Read models may
 * share the pool (`pool`) and write checkpoints in their own transaction (`saveCheckpointIn`).
 */
import { Client, DatabaseError, Pool } from 'pg';
import type { ClientBase, PoolConfig, QueryConfig } from 'pg';
import { validateAppend, validateExpectedRevision } from '../append-validation';
import { EventStoreError, StoreUnavailableError, WrongExpectedVersionError } from '../errors';
import type {
  AllFilter,
  AppendOptions,
  AppendResult,
  EventMetadata,
  EventStore,
  EventToAppend,
  GlobalPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreHealth,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import {
  PAGE_SIZE,
  SCAN_WINDOW,
  keysetPage,
  positionOf,
  readAllPages,
  readStreamPages,
  scanWindowEnd,
  windowPage,
  type ScannedPage,
} from '../paging';
import { CatchUpSubscription, WakeUps, subscriptionStart } from '../subscription-pump';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema holding the tables, created if missing. Default 'aftercare'. */
  schema?: string;
  /** Polling fallback for live subscriptions when a notification is missed. Default 500 ms. */
  pollIntervalMs?: number;
  /** Pool size. Default 10. */
  maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
/** First half of the advisory lock key: arbitrary, names "Aftercare event store". */
const LOCK_CLASS = 0x0af7ca2e;
/** First half of the per-stream advisory lock key; the second is hashtext(stream id). */
const STREAM_LOCK_CLASS = 0x0af7ca2f;

/** Row of es_events in array mode: position, stream_id, revision, event_id, type, data, metadata, recorded_at (ms). */
type EventRow = [string, string, string, string, string, unknown, EventMetadata, number];

const COLUMNS = `position, stream_id, revision, event_id::text, type, data, metadata,
  (extract(epoch from recorded_at) * 1000)::float8`;

function schemaSql(schema: string): string {
  return `
CREATE SCHEMA IF NOT EXISTS ${schema};
CREATE TABLE IF NOT EXISTS ${schema}.es_events (
  position    bigint      PRIMARY KEY,
  stream_id   text        NOT NULL,
  revision    bigint      NOT NULL,
  event_id    uuid        NOT NULL,
  type        text        NOT NULL,
  data        jsonb       NOT NULL,
  metadata    jsonb       NOT NULL,
  recorded_at timestamptz NOT NULL,
  CONSTRAINT es_events_stream_revision UNIQUE (stream_id, revision),
  CONSTRAINT es_events_stream_event_id UNIQUE (stream_id, event_id)
);
CREATE TABLE IF NOT EXISTS ${schema}.es_checkpoints (
  consumer_id text        PRIMARY KEY,
  position    bigint      NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);
-- Returns one row: outcome 'appended' (first position, revision before the batch, recorded_at),
-- 'idempotent' (every id is already in the stream) or 'wrong_expected' (actual revision, null
-- when the stream does not exist).
CREATE OR REPLACE FUNCTION ${schema}.es_append(
  p_stream text, p_expected text, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
RETURNS TABLE (outcome text, current_revision bigint, first_position bigint, recorded_at timestamptz)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count    int := cardinality(p_ids);
  v_existing int;
  v_current  bigint;
  v_first    bigint;
  v_now      timestamptz := clock_timestamp();
BEGIN
  -- Writers to one stream take turns from here to their commit, so the revision read below is
  -- the one the insert builds on and the idempotency check sees every committed id; appends to
  -- other streams go on (a hash collision only makes two streams take turns).
  PERFORM pg_advisory_xact_lock(${STREAM_LOCK_CLASS}, hashtext('${schema}:' || p_stream));
  SELECT max(e.revision) INTO v_current FROM ${schema}.es_events e WHERE e.stream_id = p_stream;
  IF v_current IS NOT NULL THEN
    SELECT count(*) INTO v_existing FROM ${schema}.es_events e
      WHERE e.stream_id = p_stream AND e.event_id = ANY (p_ids);
    IF v_existing = v_count THEN
      RETURN QUERY SELECT 'idempotent'::text, v_current, NULL::bigint, NULL::timestamptz;
      RETURN;
    ELSIF v_existing > 0 THEN
      RETURN QUERY SELECT 'wrong_expected'::text, v_current, NULL::bigint, NULL::timestamptz;
      RETURN;
    END IF;
  END IF;
  IF (p_expected = 'no_stream' AND v_current IS NOT NULL)
     OR (p_expected = 'stream_exists' AND v_current IS NULL)
     OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists')
         AND v_current IS DISTINCT FROM p_expected::bigint) THEN
    RETURN QUERY SELECT 'wrong_expected'::text, v_current, NULL::bigint, NULL::timestamptz;
    RETURN;
  END IF;
  -- Held until commit: positions are allocated and made visible in commit order.
  PERFORM pg_advisory_xact_lock(${LOCK_CLASS}, ${lockKey(schema)});
  SELECT coalesce(max(e.position), 0) + 1 INTO v_first FROM ${schema}.es_events e;
  INSERT INTO ${schema}.es_events
    (position, stream_id, revision, event_id, type, data, metadata, recorded_at)
  SELECT v_first + u.ord - 1, p_stream, coalesce(v_current, -1) + u.ord, u.id, u.type, u.data,
         u.metadata, v_now
  FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, ord);
  PERFORM pg_notify('${channelOf(schema)}', (v_first + v_count - 1)::text);
  RETURN QUERY SELECT 'appended'::text, v_current, v_first, v_now;
END
$fn$;`;
}

/** A 31-bit hash of the schema name, so stores in different schemas do not share the lock. */
function lockKey(schema: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < schema.length; i++) {
    hash = Math.imul(hash ^ schema.charCodeAt(i), 0x01000193);
  }
  return hash & 0x7fffffff;
}

function channelOf(schema: string): string {
  return `es_appended_${schema}`;
}

export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;

  private readonly wakeUps = new WakeUps();
  private readonly queries: ReturnType<typeof prepareQueries>;
  private listener: Client | undefined;
  private listening: Promise<void> | undefined;
  private closed = false;

  private constructor(
    /** Shared with read models, which keep their own tables in the same database. */
    readonly pool: Pool,
    /** Schema of es_events and es_checkpoints. */
    readonly schema: string,
    private readonly connectionString: string,
    private readonly pollIntervalMs: number,
  ) {
    this.queries = prepareQueries(schema);
  }

  static async connect(options: PostgresEventStoreOptions): Promise<PostgresEventStore> {
    const schema = options.schema ?? 'aftercare';
    if (!SCHEMA_NAME.test(schema)) {
      throw new Error(`PostgreSQL schema '${schema}' must be a lower-case SQL identifier`);
    }
    const config: PoolConfig = {
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
    };
    const pool = new Pool(config);
    // An idle client losing its connection must not crash the process; the next query reports it.
    pool.on('error', () => undefined);
    const client = await pool.connect().catch(async (error: unknown) => {
      await pool.end().catch(() => undefined);
      throw new StoreUnavailableError(
        `Cannot connect to PostgreSQL: ${(error as Error).message}`,
        error,
      );
    });
    try {
      await client.query('BEGIN');
      // Serializes concurrent first starts on one schema (CREATE ... IF NOT EXISTS can race).
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, lockKey(schema) ^ 1]);
      await client.query(schemaSql(schema));
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      client.release();
      await pool.end().catch(() => undefined);
      throw error;
    }
    client.release();
    return new PostgresEventStore(
      pool,
      schema,
      options.connectionString,
      options.pollIntervalMs ?? 500,
    );
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    const json = validateAppend(streamId, events);
    const expected = validateExpectedRevision(options?.expectedRevision);
    this.assertOpen();
    const ids = events.map((e) => e.id.toLowerCase());
    const values = [
      streamId,
      typeof expected === 'bigint' ? expected.toString() : expected,
      ids,
      events.map((e) => e.type),
      json.map((j) => j.data),
      json.map((j) => j.metadata),
    ];
    for (let attempt = 0; ; attempt++) {
      let row: [string, string | null, string | null, Date | null];
      try {
        const result = await this.pool.query<typeof row>({
          ...this.queries.append,
          values,
        });
        row = result.rows[0];
      } catch (error) {
        // Writers to one stream take turns under its lock, so a unique violation means a writer
        // that bypassed es_append; run the checks again, a few times, then report it typed.
        if ((error as { code?: string }).code === '23505' && attempt < 3) continue;
        throw mapError(error);
      }
      const [outcome, current, first, recordedAt] = row;
      const currentRevision = current === null ? -1n : BigInt(current);
      if (outcome === 'idempotent') return this.storedResult(streamId, ids);
      if (outcome === 'wrong_expected') {
        throw new WrongExpectedVersionError(
          streamId,
          expected,
          current === null ? 'no_stream' : currentRevision,
        );
      }
      const firstPosition = BigInt(first!);
      const recorded: RecordedEvent[] = events.map((event, i) => ({
        id: ids[i],
        type: event.type,
        data: event.data,
        metadata: event.metadata ?? { schemaVersion: 1 },
        streamId,
        revision: currentRevision + 1n + BigInt(i),
        position: firstPosition + BigInt(i),
        recordedAt: new Date(recordedAt!.getTime()),
      }));
      return { ...resultOf(recorded), alreadyStored: false };
    }
  }

  /** The originally stored events of an idempotent re-append, in the order of the batch. */
  private async storedResult(streamId: string, ids: string[]): Promise<AppendResult> {
    const { rows } = await this.query<EventRow>(this.queries.byEventIds, [streamId, ids]);
    const byId = new Map(rows.map((row) => [row[3], toEvent(row)]));
    return { ...resultOf(ids.map((id) => byId.get(id)!)), alreadyStored: true };
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const query =
      options.direction === 'backwards'
        ? this.queries.streamBackwards
        : this.queries.streamForwards;
    return readStreamPages(options, async (cursor, limit) => {
      const { rows } = await this.query<EventRow>(query, [streamId, cursor.toString(), limit]);
      return rows.map(toEvent);
    });
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const filter = filterParams(options.filter);
    return readAllPages(options, (after, limit) => this.scan(filter, after, limit));
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const start = subscriptionStart(options.from, async () => (await this.headPosition()) ?? 0n);
    const filter = filterParams(options.filter);
    void this.listen();
    return new CatchUpSubscription({
      start,
      fetch: (after) => this.scan(filter, after, PAGE_SIZE),
      wakeUps: this.wakeUps,
      pollIntervalMs: this.pollIntervalMs,
      storeClosed: () => this.closed,
    });
  }

  /**
   * The next page after `after`. A filtered scan looks at a bounded window of positions per query,
   * up to the head read first. Gap-free because positions become visible in commit order.
   */
  private async scan(
    filter: Filter | undefined,
    after: bigint,
    limit: number,
  ): Promise<ScannedPage> {
    if (!filter) {
      const { rows } = await this.query<EventRow>(this.queries.allPage, [after.toString(), limit]);
      return keysetPage(rows.map(toEvent), after, limit);
    }
    const head = (await this.headPosition()) ?? 0n;
    const to = scanWindowEnd(after, head);
    const { rows } = await this.query<EventRow>(this.queries.filteredPage, [
      after.toString(),
      to.toString(),
      filter.categories,
      filter.prefixes,
      limit,
      SCAN_WINDOW.toString(),
    ]);
    return windowPage(rows.map(toEvent), limit, to, head);
  }

  async headPosition(): Promise<GlobalPosition | undefined> {
    const { rows } = await this.query<[string | null]>(this.queries.head, []);
    return positionOf(rows[0][0]);
  }

  async loadCheckpoint(consumerId: string): Promise<GlobalPosition | undefined> {
    const { rows } = await this.query<[string]>(this.queries.loadCheckpoint, [consumerId]);
    return positionOf(rows[0]?.[0]);
  }

  async saveCheckpoint(consumerId: string, position: GlobalPosition): Promise<void> {
    await this.query(this.queries.saveCheckpoint, [consumerId, position.toString()]);
  }

  /** Saves a checkpoint on the caller's client, inside the caller's (read model) transaction. */
  async saveCheckpointIn(
    client: ClientBase,
    consumerId: string,
    position: GlobalPosition,
  ): Promise<void> {
    await client.query({
      ...this.queries.saveCheckpoint,
      values: [consumerId, position.toString()],
    });
  }

  async health(): Promise<StoreHealth> {
    try {
      await this.pool.query('SELECT 1');
      return { store: 'postgres', reachable: true, detail: `schema ${this.schema}` };
    } catch (error) {
      return { store: 'postgres', reachable: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.wakeUps.wakeAll();
    this.wakeUps.clear();
    const listener = this.listener;
    this.listener = undefined;
    await listener?.end().catch(() => undefined);
    await this.pool.end();
  }

  private async query<Row extends unknown[]>(
    query: QueryConfig & { rowMode: 'array' },
    values: unknown[],
  ): Promise<{ rows: Row[] }> {
    this.assertOpen();
    try {
      return await this.pool.query<Row>({ ...query, values });
    } catch (error) {
      throw mapError(error);
    }
  }

  /** One dedicated connection LISTENs for appends and wakes every live subscription. */
  private listen(): Promise<void> {
    if (this.listening || this.closed) return this.listening ?? Promise.resolve();
    const client = new Client({ connectionString: this.connectionString });
    const reset = () => {
      if (this.listener === client) this.listener = undefined;
      this.listening = undefined;
      client.end().catch(() => undefined);
    };
    client.on('notification', () => this.wakeUps.wakeAll());
    // Lost connection: subscriptions fall back to polling; the next subscription listens again.
    client.on('error', reset);
    client.on('end', reset);
    this.listener = client;
    this.listening = client
      .connect()
      .then(() => client.query(`LISTEN ${channelOf(this.schema)}`))
      .then(() => {
        if (this.closed) return client.end();
      })
      .catch(reset);
    return this.listening;
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('The PostgreSQL event store is closed');
  }
}

function prepareQueries(schema: string) {
  // Named queries are parsed and planned once per connection.
  const named = (name: string, text: string) => ({
    name: `${schema}.${name}`,
    text,
    rowMode: 'array' as const,
  });
  return {
    append: named(
      'append',
      `SELECT * FROM ${schema}.es_append($1, $2, $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])`,
    ),
    byEventIds: named(
      'by-event-ids',
      `SELECT ${COLUMNS} FROM ${schema}.es_events WHERE stream_id = $1 AND event_id = ANY ($2::uuid[])`,
    ),
    streamForwards: named(
      'stream-forwards',
      `SELECT ${COLUMNS} FROM ${schema}.es_events
       WHERE stream_id = $1 AND revision >= $2 ORDER BY revision LIMIT $3`,
    ),
    streamBackwards: named(
      'stream-backwards',
      `SELECT ${COLUMNS} FROM ${schema}.es_events
       WHERE stream_id = $1 AND revision <= $2 ORDER BY revision DESC LIMIT $3`,
    ),
    allPage: named(
      'all-page',
      `SELECT ${COLUMNS} FROM ${schema}.es_events WHERE position > $1 ORDER BY position LIMIT $2`,
    ),
    // The inner ordered LIMIT keeps the plan an index scan in position order that stops early,
    // whatever the statistics say (a bitmap scan plus sort would read the whole window per page).
    filteredPage: named(
      'filtered-page',
      `SELECT ${COLUMNS} FROM (
         SELECT * FROM ${schema}.es_events
         WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $6) w
       WHERE ($3::text[] IS NULL OR split_part(stream_id, '-', 1) = ANY ($3::text[]))
         AND ($4::text[] IS NULL OR type ^@ ANY ($4::text[]))
       ORDER BY position LIMIT $5`,
    ),
    head: named('head', `SELECT max(position) FROM ${schema}.es_events`),
    loadCheckpoint: named(
      'load-checkpoint',
      `SELECT position FROM ${schema}.es_checkpoints WHERE consumer_id = $1`,
    ),
    saveCheckpoint: named(
      'save-checkpoint',
      `INSERT INTO ${schema}.es_checkpoints (consumer_id, position, updated_at)
       VALUES ($1, $2, now())
       ON CONFLICT (consumer_id) DO UPDATE SET position = excluded.position, updated_at = now()`,
    ),
  };
}

interface Filter {
  categories: string[] | null;
  prefixes: string[] | null;
}

function filterParams(filter: AllFilter | undefined): Filter | undefined {
  const categories = filter?.categories?.length ? filter.categories : null;
  const prefixes = filter?.eventTypePrefixes?.length ? filter.eventTypePrefixes : null;
  return categories || prefixes ? { categories, prefixes } : undefined;
}

function resultOf(events: RecordedEvent[]): AppendResult {
  const last = events[events.length - 1];
  return { nextExpectedRevision: last.revision, position: last.position, events };
}

function toEvent(row: EventRow): RecordedEvent {
  return {
    id: row[3],
    type: row[4],
    data: row[5],
    metadata: row[6],
    streamId: row[1],
    revision: BigInt(row[2]),
    position: BigInt(row[0]),
    recordedAt: new Date(row[7]),
  };
}

const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOTFOUND',
  'ETIMEDOUT',
  'EPIPE',
  '57P01',
  '57P02',
  '57P03',
  '53300',
]);

/**
 * Every failure of the database reaches callers as a typed store error, never as a raw driver
 * error: lost connections and server shutdowns, and anything else the server refused (its SQLSTATE
 * in the message), as StoreUnavailableError, which callers may retry.
 */
function mapError(error: unknown): unknown {
  if (error instanceof EventStoreError) return error;
  const code = (error as { code?: unknown }).code;
  const message = (error as Error).message ?? '';
  if (
    (typeof code === 'string' && (UNAVAILABLE_CODES.has(code) || code.startsWith('08'))) ||
    /Connection terminated|Client has encountered a connection error/.test(message)
  ) {
    return new StoreUnavailableError(`PostgreSQL unavailable: ${message}`, error);
  }
  if (error instanceof DatabaseError) {
    return new StoreUnavailableError(
      `PostgreSQL refused the operation (${code}): ${message}`,
      error,
    );
  }
  return error;
}
