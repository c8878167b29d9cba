/**
 * The PostgreSQL event store.
 *
 * The sequence-gap problem: positions handed out by a sequence are drawn at insert time but
 * become visible at commit time. If transaction A draws position 10 and B draws 11, and B commits
 * first, a subscriber reading "position > 9" sees 11, moves its cursor to 11 and never sees 10
 * when A commits a moment later.
 *
 * Appends: writers do not take turns across streams. Every append holds, until its commit, a
 * transaction-scoped advisory lock on its stream (writers to one stream take turns, so the
 * idempotency and expected-revision checks see every committed append of that stream) and a
 * *shared* advisory lock on a key constant for the schema (the in-flight marker), taken before it
 * draws one position per event from `es_position_seq`. Appends to different streams never wait
 * for each other, so their commits (WAL flushes) overlap. A batch's positions are increasing, not
 * necessarily contiguous: concurrent batches may interleave, and a rolled-back append leaves a
 * hole. Two ways in, one round trip and one implicit transaction each:
 *  - a single event: one INSERT statement (`append-one`) that takes its stream's lock only if it
 *    is free and checks the expected revision on the statement's snapshot; it inserts only when
 *    both pass, and a (stream, revision) or (stream, event id) unique violation catches a commit
 *    the snapshot missed or a duplicate id. Anything else goes to:
 *  - `es_append`, the stored function: waits for the stream's lock, then checks on a fresh
 *    snapshot (idempotent re-append, wrong expected revision) and inserts the batch.
 * With 8 callers on 2 cores, CPU is what appends compete for; the one-statement path costs little
 * more than a bare INSERT (no function call, no statements inside one). Single-event appends that
 * pile up in this process go together in one statement and one commit (`es_append_each`, see
 * postgres.append-groups.ts), each with its own outcome.
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
 * LISTEN/NOTIFY, sent after the commit as a separate, non-durable statement while another
 * connection listens (postgres.notifier.ts); they poll as a fallback.
 *
 * Tables (in the configured schema): es_events, es_checkpoints; sequence es_position_seq;
 * functions es_append, es_high_water. Read models may share the pool (`pool`) and write
 * checkpoints in their own transaction (`saveCheckpointIn`).
 */
import { Pool } from 'pg';
import type { ClientBase, PoolConfig, QueryConfig } from 'pg';
import { validateAppend, validateExpectedRevision } from '../append-validation';
import { StoreUnavailableError, WrongExpectedVersionError } from '../errors';
import type {
  AllFilter,
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  ExpectedRevision,
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
import { RecentEvents } from '../recent-events';
import { CatchUpSubscription, subscriptionStart } from '../subscription-pump';
import { AppendGroups, type SingleAppend } from './postgres.append-groups';
import { mapError } from './postgres.errors';
import { HighWater, type Patience } from './postgres.high-water';
import { AppendNotifier } from './postgres.notifier';
import {
  LOCK_CLASS,
  listenSql,
  lockKey,
  prepareQueries,
  schemaSql,
  type EventRow,
} from './postgres.schema';

export interface PostgresEventStoreOptions {
  connectionString: string;
  /** Schema holding the tables, created if missing. Default 'aftercare'. */
  schema?: string;
  /** Polling fallback for live subscriptions when a notification is missed. Default 500 ms. */
  pollIntervalMs?: number;
  /** Pool size. Default 10. */
  maxConnections?: number;
  /**
   * Round trips of single-event appends out at once; appends asked for beyond them wait and go
   * together in one statement and one commit (postgres.append-groups.ts). Default 2.
   */
  appendsInFlight?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
export class PostgresEventStore implements EventStore {
  readonly kind = 'postgres' as const;
  /** Every instance reads the one database, and headPosition waits out the appends in flight. */
  readonly headCoversAcknowledged = true;

  private readonly queries: ReturnType<typeof prepareQueries>;
  private readonly highWater: HighWater;
  private readonly notifier: AppendNotifier;
  /** The newest events up to the high-water mark, read once for every live subscription. */
  private readonly recent: RecentEvents;
  /** Single-event appends: alone while a round trip is free, together when they pile up. */
  private readonly singles: AppendGroups<QueuedAppend, Written | 'idempotent'>;
  private closed = false;

  private constructor(
    /** Shared with read models, which keep their own tables in the same database. */
    readonly pool: Pool,
    /** Schema of es_events and es_checkpoints. */
    readonly schema: string,
    connectionString: string,
    private readonly pollIntervalMs: number,
    appendsInFlight: number,
  ) {
    this.queries = prepareQueries(schema);
    this.singles = new AppendGroups(
      appendsInFlight,
      (append) => this.appendSingle(append),
      (appends) => this.appendEach(appends),
    );
    this.notifier = new AppendNotifier(pool, connectionString, this.queries, listenSql(schema));
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
    this.recent = new RecentEvents(async (after, upTo) => {
      const { rows } = await this.query<EventRow>(this.queries.allPage, [
        after.toString(),
        upTo.toString(),
        Number(upTo - after),
      ]);
      return rows.map(toEvent);
    });
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
      options.appendsInFlight ?? 2,
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
    const written =
      events.length === 1
        ? await this.singles.append({
            streamId,
            expected: typeof expected === 'bigint' ? expected.toString() : expected,
            revision: expected,
            event: events[0],
            json: json[0],
          })
        : await this.appendChecked(streamId, events, json, expected);
    if (written === 'idempotent') return this.storedResult(streamId, ids);
    const recordedAt = written.recordedAt;
    const recorded: RecordedEvent[] = events.map((event, i) => ({
      id: ids[i],
      type: event.type,
      data: event.data,
      metadata: event.metadata ?? { schemaVersion: 1 },
      streamId,
      revision: written.firstRevision + BigInt(i),
      position: BigInt(written.positions[i]),
      recordedAt: new Date(recordedAt),
    }));
    this.notifier.announce();
    return { ...resultOf(recorded), alreadyStored: false };
  }

  /** One single-event append sent alone: one statement, or the stored function when it must decide. */
  private async appendSingle(append: QueuedAppend): Promise<Written | 'idempotent'> {
    this.assertOpen(); // it may have waited for its turn while the store was closed
    return (
      (await this.appendOne(append.streamId, append.event, append.json, append.revision)) ??
      (await this.appendChecked(append.streamId, [append.event], [append.json], append.revision))
    );
  }

  /**
   * Single-event appends that waited for a free round trip, in one statement and one commit
   * (`es_append_each`), each with its own outcome. Should the statement fail as a whole (a unique
   * violation from a writer that went around the stream locks, a deadlock between processes'
   * groups on colliding lock keys), each is sent alone instead and meets its own outcome there.
   */
  private async appendEach(
    appends: QueuedAppend[],
  ): Promise<PromiseSettledResult<Written | 'idempotent'>[]> {
    this.assertOpen();
    let rows: [string, string | null, string | null, number | null][];
    try {
      const result = await this.pool.query<(typeof rows)[number]>({
        ...this.queries.appendEach,
        values: [
          appends.map((a) => a.streamId),
          appends.map((a) => a.expected),
          appends.map((a) => a.event.id.toLowerCase()),
          appends.map((a) => a.event.type),
          appends.map((a) => a.json.data),
          appends.map((a) => a.json.metadata),
        ],
      });
      rows = result.rows;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code !== '23505' && code !== '40P01') throw mapError(error);
      return Promise.allSettled(appends.map((append) => this.appendSingle(append)));
    }
    return rows.map(([outcome, current, position, recordedAt], i) => {
      try {
        const { streamId, revision } = appends[i];
        const value = writtenOrThrow(
          streamId,
          revision,
          outcome,
          current,
          [position!],
          recordedAt!,
        );
        return { status: 'fulfilled', value };
      } catch (reason) {
        return { status: 'rejected', reason };
      }
    });
  }

  /**
   * A single event in one statement (`append-one`), when its stream's lock is free and the checks
   * pass on the statement's snapshot; undefined when es_append has to decide.
   */
  private async appendOne(
    streamId: string,
    event: EventToAppend,
    json: { data: string; metadata: string },
    expected: ExpectedRevision,
  ): Promise<Written | undefined> {
    const exact = typeof expected === 'bigint';
    try {
      const { rows } = await this.pool.query<[string, string, number]>({
        ...this.queries.appendOne,
        values: [
          streamId,
          exact ? 'exact' : expected,
          exact ? expected.toString() : null,
          event.id.toLowerCase(),
          event.type,
          json.data,
          json.metadata,
        ],
      });
      if (rows.length === 0) return undefined;
      return { firstRevision: BigInt(rows[0][0]), positions: [rows[0][1]], recordedAt: rows[0][2] };
    } catch (error) {
      // A duplicate id or a revision committed just before the lock was taken: es_append decides.
      if ((error as { code?: string }).code === '23505') return undefined;
      throw mapError(error);
    }
  }

  /** The stored function: the stream's lock, then the checks on a fresh snapshot, then the insert. */
  private async appendChecked(
    streamId: string,
    events: readonly EventToAppend[],
    json: { data: string; metadata: string }[],
    expected: ExpectedRevision,
  ): Promise<Written | 'idempotent'> {
    const values = [
      streamId,
      typeof expected === 'bigint' ? expected.toString() : expected,
      events.map((e) => e.id.toLowerCase()),
      events.map((e) => e.type),
      json.map((j) => j.data),
      json.map((j) => j.metadata),
    ];
    for (let attempt = 0; ; attempt++) {
      let row: [string, string | null, string[] | null, Date | null];
      try {
        const result = await this.pool.query<typeof row>({ ...this.queries.append, values });
        row = result.rows[0];
      } catch (error) {
        // Writers to one stream take turns under its lock, so a unique violation means a writer
        // that bypassed it; run the checks again, a few times, then report it typed.
        if ((error as { code?: string }).code === '23505' && attempt < 3) continue;
        throw mapError(error);
      }
      const [outcome, current, positions, recordedAt] = row;
      return writtenOrThrow(streamId, expected, outcome, current, positions, recordedAt?.getTime());
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
    // A read waits for appends in flight below the head, so it returns every acknowledged event.
    return readAllPages(options, (after, limit) => this.scan(filter, after, limit, 'settle'));
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const start = subscriptionStart(options.from, async () => (await this.headPosition()) ?? 0n);
    const filter = filterParams(options.filter);
    void this.notifier.listen();
    return new CatchUpSubscription({
      start,
      // A subscription waits a little, then comes back on the commit's notification (or the poll).
      fetch: (after) => this.subscriptionPage(options.filter, filter, after),
      wakeUps: this.notifier.wakeUps,
      pollIntervalMs: this.pollIntervalMs,
      storeClosed: () => this.closed,
    });
  }

  /** A live subscription's next page, from the newest events when it is close to the mark. */
  private async subscriptionPage(
    allFilter: AllFilter | undefined,
    filter: Filter | undefined,
    after: bigint,
  ): Promise<ScannedPage> {
    let head = this.highWater.known;
    let fresh = false;
    if (after >= head) {
      head = await this.highWater.refresh('glance');
      fresh = true;
    }
    const page = await this.recent.page(allFilter, after, head, PAGE_SIZE);
    if (!page) return this.scan(filter, after, PAGE_SIZE, 'glance');
    // A mark known from before may since have moved on: look again at once.
    return page.more || fresh ? page : { ...page, more: true };
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
    await this.notifier.close();
    // pg-pool's end() never answers a caller still waiting for a connection (appends, reads and
    // the read models sharing this pool): they get theirs first, and end() waits for them.
    while (this.pool.waitingCount > 0) await new Promise((resolve) => setTimeout(resolve, 5));
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

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('The PostgreSQL event store is closed');
  }
}

/** A single-event append on its way to the database (see AppendGroups). */
interface QueuedAppend extends SingleAppend {
  revision: ExpectedRevision;
  event: EventToAppend;
  json: { data: string; metadata: string };
}

/**
 * What a stored function said of one append: written (the revision before it, its positions, the
 * store time in ms), already stored, or refused for its expected revision (thrown).
 */
function writtenOrThrow(
  streamId: string,
  expected: ExpectedRevision,
  outcome: string,
  current: string | null,
  positions: string[] | null,
  recordedAt: number | undefined,
): Written | 'idempotent' {
  if (outcome === 'idempotent') return 'idempotent';
  if (outcome === 'wrong_expected') {
    throw new WrongExpectedVersionError(
      streamId,
      expected,
      current === null ? 'no_stream' : BigInt(current),
    );
  }
  return {
    firstRevision: current === null ? 0n : BigInt(current) + 1n,
    positions: positions!,
    recordedAt: recordedAt!,
  };
}

/** What an append wrote: the first revision, each event's position, the store time (ms). */
interface Written {
  firstRevision: bigint;
  positions: string[];
  recordedAt: number;
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
