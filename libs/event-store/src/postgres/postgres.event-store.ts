/**
 * The PostgreSQL event store.
 *
 * The sequence-gap problem: positions handed out by a sequence are drawn at insert time but
 * become visible at commit time. If transaction A draws position 10 and B draws 11, and B commits
 * first, a subscriber reading "position > 9" sees 11, moves its cursor to 11 and never sees 10
 * when A commits a moment later.
 *
 * Appends: each is one call to the `es_append` function (one round trip, one implicit
 * transaction). It takes a transaction-scoped advisory lock on its stream, so writers to one
 * stream take turns and the idempotency and expected-revision checks see every committed append
 * of that stream; then a *shared* advisory lock on a key constant for the schema (the in-flight
 * marker), then draws one position per event from `es_position_seq` and inserts the batch with
 * one multi-row INSERT over unnest(). Appends to different streams never wait for each other, so
 * their commits (WAL flushes) overlap. A batch's positions are increasing, not necessarily
 * contiguous: concurrent batches may interleave, and a rolled-back append leaves a hole.
 *
 * Readers never pass an append in flight: they read only up to a high-water mark below which
 * every position is final. `es_high_water()` reads the last position drawn (L), then the virtual
 * transaction ids holding the in-flight marker (F). An append that drew a position <= L took the
 * marker before drawing it and keeps it until its commit is visible (PostgreSQL releases
 * transaction locks after the commit is visible), so when L was read it held the marker: it is
 * in F, or it had already committed (visible) or rolled back (a hole forever). Once every member
 * of F has left pg_locks, every position <= L is final and the mark moves to L; a query started
 * afterwards sees all of them. Only appends are waited for, never other transactions, and only
 * those in flight when L was read, so readers keep up under any write load. Subscriptions wait up
 * to GLANCE_MS, then read what is final and come back on the next wake-up; reads of $all and
 * headPosition wait until the appends in flight are done (about one commit).
 *
 * Live subscriptions wake on appends in this process at once, and on other processes' appends by
 * LISTEN/NOTIFY, sent after the commit as a separate, non-durable statement (see `announce`); they
 * poll as a fallback when the listening connection is lost.
 *
 * Tables (in the configured schema): es_events, es_checkpoints; sequence es_position_seq;
 * functions es_append, es_high_water. Read models may share the pool (`pool`) and write
 * checkpoints in their own transaction (`saveCheckpointIn`).
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
  positionOf,
  readAllPages,
  readStreamPages,
  scanWindowEnd,
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
/** First half of the in-flight marker's advisory lock key: arbitrary, names "Aftercare event store". */
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
CREATE SEQUENCE IF NOT EXISTS ${schema}.es_position_seq AS bigint;
-- A store written before positions came from the sequence: continue after its last position.
SELECT setval('${schema}.es_position_seq', m)
  FROM (SELECT max(position) AS m FROM ${schema}.es_events) head
  WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value('${schema}.es_position_seq'), 0);
-- Returns one row: outcome 'appended' (the revision before the batch, the batch's positions,
-- recorded_at), 'idempotent' (every id is already in the stream) or 'wrong_expected' (the actual
-- revision, null when the stream does not exist).
-- The version before positions came from the sequence returned first_position instead; its
-- writers must be stopped before this one starts (CREATE OR REPLACE keeps a running store's
-- function in place otherwise).
DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
             WHERE n.nspname = '${schema}' AND p.proname = 'es_append'
               AND pg_get_function_result(p.oid) LIKE '%first_position%') THEN
    DROP FUNCTION ${schema}.es_append(text, text, uuid[], text[], jsonb[], jsonb[]);
  END IF;
END $$;
CREATE OR REPLACE FUNCTION ${schema}.es_append(
  p_stream text, p_expected text, p_ids uuid[], p_types text[], p_data jsonb[], p_metadata jsonb[])
RETURNS TABLE (outcome text, current_revision bigint, positions bigint[], recorded_at timestamptz)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_count     int := cardinality(p_ids);
  v_existing  int;
  v_current   bigint;
  v_positions bigint[] := '{}';
  v_now       timestamptz := clock_timestamp();
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
      RETURN QUERY SELECT 'idempotent'::text, v_current, NULL::bigint[], NULL::timestamptz;
      RETURN;
    ELSIF v_existing > 0 THEN
      RETURN QUERY SELECT 'wrong_expected'::text, v_current, NULL::bigint[], NULL::timestamptz;
      RETURN;
    END IF;
  END IF;
  IF (p_expected = 'no_stream' AND v_current IS NOT NULL)
     OR (p_expected = 'stream_exists' AND v_current IS NULL)
     OR (p_expected NOT IN ('any', 'no_stream', 'stream_exists')
         AND v_current IS DISTINCT FROM p_expected::bigint) THEN
    RETURN QUERY SELECT 'wrong_expected'::text, v_current, NULL::bigint[], NULL::timestamptz;
    RETURN;
  END IF;
  -- In flight from before its first position is drawn until its commit is visible (PostgreSQL
  -- releases transaction locks after that): readers find in-flight appends in pg_locks and wait
  -- for them (es_high_water). Shared, so appenders never wait for each other here.
  PERFORM pg_advisory_xact_lock_shared(${LOCK_CLASS}, ${lockKey(schema)});
  FOR i IN 1 .. v_count LOOP
    v_positions[i] := nextval('${schema}.es_position_seq');
  END LOOP;
  INSERT INTO ${schema}.es_events
    (position, stream_id, revision, event_id, type, data, metadata, recorded_at)
  SELECT v_positions[u.ord], p_stream, coalesce(v_current, -1) + u.ord, u.id, u.type, u.data,
         u.metadata, v_now
  FROM unnest(p_ids, p_types, p_data, p_metadata) WITH ORDINALITY AS u(id, type, data, metadata, ord);
  RETURN QUERY SELECT 'appended'::text, v_current, v_positions, v_now;
END
$fn$;
-- Where readers may read up to: the last position drawn, and the appends still in flight (their
-- virtual transaction ids). Read in this order, every append holding a position up to
-- last_drawn is either listed or already visible (or rolled back); once the listed ones have
-- left pg_locks, every position up to last_drawn is final.
CREATE OR REPLACE FUNCTION ${schema}.es_high_water(OUT last_drawn bigint, OUT in_flight text[])
LANGUAGE plpgsql AS $fn$
BEGIN
  SELECT coalesce(pg_sequence_last_value('${schema}.es_position_seq'), 0) INTO last_drawn;
  SELECT coalesce(array_agg(l.virtualtransaction), '{}') INTO in_flight FROM pg_locks l
   WHERE l.locktype = 'advisory' AND l.classid = ${LOCK_CLASS} AND l.objid = ${lockKey(schema)}
     AND l.objsubid = 2 AND l.granted AND l.pid <> pg_backend_pid()
     AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database());
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
  private readonly highWater: HighWater;
  private listener: Client | undefined;
  private notifying = false;
  private notifyAgain = false;
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
    this.highWater = new HighWater(
      async () => {
        const { rows } = await this.query<[string, string[]]>(this.queries.highWater, []);
        return { lastDrawn: BigInt(rows[0][0]), inFlight: rows[0][1] };
      },
      async (inFlight) => {
        const { rows } = await this.query<[number]>(this.queries.stillInFlight, [inFlight]);
        return rows[0][0] > 0;
      },
      () => this.closed,
    );
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
      let row: [string, string | null, string[] | null, Date | null];
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
      const [outcome, current, positions, recordedAt] = row;
      const currentRevision = current === null ? -1n : BigInt(current);
      if (outcome === 'idempotent') return this.storedResult(streamId, ids);
      if (outcome === 'wrong_expected') {
        throw new WrongExpectedVersionError(
          streamId,
          expected,
          current === null ? 'no_stream' : currentRevision,
        );
      }
      const recorded: RecordedEvent[] = events.map((event, i) => ({
        id: ids[i],
        type: event.type,
        data: event.data,
        metadata: event.metadata ?? { schemaVersion: 1 },
        streamId,
        revision: currentRevision + 1n + BigInt(i),
        position: BigInt(positions![i]),
        recordedAt: new Date(recordedAt!.getTime()),
      }));
      this.announce();
      return { ...resultOf(recorded), alreadyStored: false };
    }
  }

  /**
   * Wakes this process's subscriptions and, by NOTIFY, every other process's. The NOTIFY goes
   * out after the append committed, as a statement of its own: a NOTIFY inside the append would
   * take PostgreSQL's notification-queue lock until the commit and serialise every append again.
   * At most one is on its way; appends meanwhile are announced by one more after it.
   */
  private announce(): void {
    this.wakeUps.wakeAll();
    if (this.notifying) {
      this.notifyAgain = true;
      return;
    }
    this.notifying = true;
    const send = (): Promise<void> =>
      this.pool
        .query(this.queries.notify)
        .then(
          () => undefined,
          () => undefined,
        )
        .then(() => {
          if (this.notifyAgain && !this.closed) {
            this.notifyAgain = false;
            return send();
          }
          this.notifying = false;
        });
    void send();
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
    // A read waits for appends in flight below the head, so it returns every acknowledged event.
    return readAllPages(options, (after, limit) => this.scan(filter, after, limit, 'settle'));
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const start = subscriptionStart(options.from, async () => (await this.headPosition()) ?? 0n);
    const filter = filterParams(options.filter);
    void this.listen();
    return new CatchUpSubscription({
      start,
      // A subscription waits a little, then comes back on the commit's notification (or the poll).
      fetch: (after) => this.scan(filter, after, PAGE_SIZE, 'glance'),
      wakeUps: this.wakeUps,
      pollIntervalMs: this.pollIntervalMs,
      storeClosed: () => this.closed,
    });
  }

  /**
   * The next page after `after`, never past the high-water mark: a position up to it is final
   * (committed, or never to appear). The mark is refreshed when the cursor reaches it. A filtered
   * scan looks at a bounded window of positions per query.
   */
  private async scan(
    filter: Filter | undefined,
    after: bigint,
    limit: number,
    patience: Patience,
  ): Promise<ScannedPage> {
    let head = this.highWater.known;
    let fresh = false;
    if (after >= head) {
      head = await this.highWater.refresh(patience);
      fresh = true;
    }
    const to = filter ? scanWindowEnd(after, head) : head > after ? head : after;
    const { rows } = filter
      ? await this.query<EventRow>(this.queries.filteredPage, [
          after.toString(),
          to.toString(),
          filter.categories,
          filter.prefixes,
          limit,
          SCAN_WINDOW.toString(),
        ])
      : await this.query<EventRow>(this.queries.allPage, [after.toString(), to.toString(), limit]);
    const events = rows.map(toEvent);
    if (events.length === limit) {
      return { events, scannedTo: events[events.length - 1].position, more: true };
    }
    // Up to `to` everything is read; a mark known from before may since have moved on.
    return { events, scannedTo: to, more: to < head || !fresh };
  }

  /**
   * Position of the last event up to the high-water mark, after waiting for the appends in flight
   * below it: a subscription from 'end' starts here without skipping an append that commits late.
   */
  async headPosition(): Promise<GlobalPosition | undefined> {
    const mark = await this.highWater.refresh('settle');
    const { rows } = await this.query<[string | null]>(this.queries.head, [mark.toString()]);
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
      `SELECT ${COLUMNS} FROM ${schema}.es_events
       WHERE position > $1 AND position <= $2 ORDER BY position LIMIT $3`,
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
    head: named('head', `SELECT max(position) FROM ${schema}.es_events WHERE position <= $1`),
    highWater: named('high-water', `SELECT * FROM ${schema}.es_high_water()`),
    // A wake-up needs no durability: its transaction commits without waiting for the WAL flush.
    notify: named(
      'notify',
      `SELECT set_config('synchronous_commit', 'off', true), pg_notify('${channelOf(schema)}', '')`,
    ),
    stillInFlight: named(
      'still-in-flight',
      `SELECT count(*)::int FROM pg_locks
       WHERE locktype = 'advisory' AND classid = ${LOCK_CLASS} AND objid = ${lockKey(schema)}
         AND objsubid = 2 AND virtualtransaction = ANY ($1::text[])`,
    ),
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

/**
 * How long a read waits for appends in flight: 'settle' until they are done (they are single
 * statements, so this is about one commit), 'glance' a few milliseconds, after which a
 * subscription reads what is final and comes back on the next notification or poll.
 */
type Patience = 'settle' | 'glance';

const GLANCE_MS = 25;

/**
 * The high-water mark: every position up to it is final. Positions are drawn from a sequence
 * without a global lock, so they can become visible out of order; a reader that moved past a
 * position still in flight would never see it. An append holds a shared advisory lock from
 * before it draws a position until its commit is visible; the mark moves to the last position
 * drawn once every append that held the lock when that position was read has left (see
 * es_high_water). Concurrent refreshes share one round of queries.
 */
class HighWater {
  /** Every position up to here is final; never moves back. */
  known = 0n;
  /** Rounds begun so far; a caller needs one begun after it asked. */
  private rounds = 0;
  private current: { number: number; result: Promise<boolean> } | undefined;

  constructor(
    private readonly probe: () => Promise<{ lastDrawn: bigint; inFlight: string[] }>,
    private readonly stillInFlight: (inFlight: string[]) => Promise<boolean>,
    private readonly closed: () => boolean,
  ) {}

  /**
   * The mark after a round of queries begun after this call: then every append acknowledged
   * before the call is at or below it ('settle'), or, when appends below it were still in flight
   * after GLANCE_MS, the mark as far as it could move ('glance').
   */
  async refresh(patience: Patience): Promise<bigint> {
    const asked = this.rounds;
    for (;;) {
      if (this.closed()) return this.known;
      if (!this.current) {
        const number = ++this.rounds;
        const result = this.advance().finally(() => {
          if (this.current?.number === number) this.current = undefined;
        });
        this.current = { number, result };
      }
      const round = this.current;
      const settled = await round.result;
      if (round.number > asked && (settled || patience === 'glance')) return this.known;
    }
  }

  /** One round: true when the mark reached the last position drawn at its start. */
  private async advance(): Promise<boolean> {
    const { lastDrawn, inFlight } = await this.probe();
    const started = Date.now();
    for (let wait = 1; inFlight.length && (await this.stillInFlight(inFlight)); wait *= 2) {
      if (this.closed() || Date.now() - started > GLANCE_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 8)));
    }
    if (lastDrawn > this.known) this.known = lastDrawn;
    return true;
  }
}
