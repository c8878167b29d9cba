/**
 * The embedded event store: one SQLite file in WAL mode, written through better-sqlite3.
 *
 * Tables owned by this adapter (everything else in the file belongs to read models):
 * - `es_streams(stream_no INTEGER PRIMARY KEY, stream_id TEXT UNIQUE)`: a number per stream, so the
 *   per-event indexes carry a small integer instead of the stream name (cheaper appends).
 * - `es_events(position INTEGER PRIMARY KEY, stream_no, stream_id, revision, event_id, type, data,
 *   metadata, recorded_at)`: one row per event. `position` is the global position (the rowid, 1, 2,
 *   3, ...), `data` and `metadata` are JSON text, `recorded_at` is epoch milliseconds. Unique on
 *   (stream_no, revision) and on (stream_no, event_id). Rows are never updated nor deleted.
 * - `es_checkpoints(consumer_id TEXT PRIMARY KEY, position INTEGER, updated_at INTEGER)`: consumer
 *   checkpoints. The projection runtime may upsert here inside its own read-model transaction on
 *   `db` (see `saveCheckpointSync`), so a read model and its checkpoint commit together.
 *
 * Appends run inside `BEGIN IMMEDIATE` transactions, so positions are assigned and become visible in
 * commit order: a reader never sees position n+1 before n, and subscriptions cannot skip events.
 * Appends asked for in the same turn of the event loop, or while the previous group is flushed to
 * disk, share one transaction and one commit (group commit, see GroupCommit), each in its own
 * savepoint; each is acknowledged after that commit is on disk, flushed off the event loop.
 * Between the commit and its flush the events are visible on the connection: reads of streams and
 * of $all may see them, live subscriptions (projections, reactors, feeds) stop before them.
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { validateAppend, validateExpectedRevision } from '../append-validation';
import { type BulkAppender, deserializeAppend, type SerializedAppend } from '../bulk-append';
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
  keysetPage,
  positionOf,
  readAllPages,
  readStreamPages,
  scanWindowEnd,
  windowPage,
  type ScannedPage,
} from '../paging';
import { RecentEvents } from '../recent-events';
import { CatchUpSubscription, WakeUps, subscriptionStart } from '../subscription-pump';
import { GroupCommit } from './group-commit';
import {
  chunkSize,
  COLUMNS,
  INSERT_CHUNK,
  INSERT_COLUMNS,
  mapError,
  prepareStatements,
  SCHEMA,
  toEvent,
  type EventRow,
} from './sqlite.schema';

/**
 * A page of $all, for reads and subscriptions alike: this adapter reads synchronously, on the event
 * loop the API serves from, so a page must take milliseconds (a filtered scan reads every row of
 * its window: a 20,000-row window took 60-110 ms of CPU on a 1M-event store, a page of 1,000
 * events 20-60 ms more to parse). Background loops read $all too (the signals' and the score
 * index's scans), so reads page like catch-up: the next page is asked for at once while `more`
 * says the log goes on, and the reader yields between pages when its own time slice is used.
 */
const PAGE = 250;
const SCAN_WINDOW = 2_500n;

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for tests. */
  path: string;
  /** 'full' (default): nothing acknowledged is lost on power failure. 'normal': faster in WAL mode, may lose the last commits on power loss (never corrupts). */
  synchronous?: 'full' | 'normal';
  /** How often live subscriptions look for appends made by other processes. Default 100 ms. */
  pollIntervalMs?: number;
}

/** Thrown inside a bulk transaction to undo it when an append is not a plain new one. */
class NotPlainAppend extends Error {}

export class SqliteEventStore implements EventStore, BulkAppender {
  readonly kind = 'sqlite' as const;
  /** One file: an append is acknowledged after its commit, which every connection then sees. */
  readonly headCoversAcknowledged = true;
  /** Table names this adapter owns; read models must pick others. */
  static readonly tables = { events: 'es_events', checkpoints: 'es_checkpoints' } as const;

  private readonly wakeUps = new WakeUps();
  private readonly filterStatements = new Map<string, Statement>();
  /** Multi-row INSERT statements by row count (see chunkSize). */
  private readonly inserts = new Map<number, Statement>();
  private readonly statements: ReturnType<typeof prepareStatements>;
  private readonly appendFast: (
    streamId: string,
    events: readonly EventToAppend[],
    json: { data: string; metadata: string }[],
    expected: ExpectedRevision,
  ) => AppendResult;
  private readonly appendChecked: (
    streamId: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ) => AppendResult | undefined;
  private closed = false;
  private readonly group: GroupCommit;
  /** The newest events, read once for every live subscription (see RecentEvents). */
  private readonly recent: RecentEvents;
  /**
   * The first position of the group being flushed to disk: committed, visible on this connection,
   * not yet durable nor acknowledged. Subscriptions stop before it, so nothing a power failure could
   * still take back reaches a projection, a webhook or a feed.
   */
  private unsyncedFrom: number | undefined;
  /**
   * The head as live subscriptions last read it, until the event loop turns or an append of this
   * process settles: an append wakes every subscription, and each asking the file again cost more
   * than its whole page. A commit by another process is seen at the next turn, as by a poll.
   */
  private subscriptionHead: bigint | undefined;

  private constructor(
    /** The connection; read models may use it in their own transactions (see the table list above). */
    readonly db: SqliteDatabase,
    private readonly pollIntervalMs: number,
  ) {
    this.statements = prepareStatements(db);
    // Inside the group's transaction these run as savepoints: a failed insert undoes only itself.
    this.appendFast = db.transaction(this.insertBatch.bind(this));
    this.appendChecked = db.transaction(this.appendWithExistingIds.bind(this));
    this.group = GroupCommit.of(db);
    this.group.onSettled(() => {
      this.unsyncedFrom = undefined;
      this.subscriptionHead = undefined;
    });
    this.recent = new RecentEvents((after, upTo) =>
      (this.statements.range.all(after, upTo) as EventRow[]).map(toEvent),
    );
  }

  static open(options: SqliteEventStoreOptions): SqliteEventStore {
    let db: SqliteDatabase;
    try {
      db = new Database(options.path, { timeout: 5000 });
      db.pragma('journal_mode = WAL');
      db.pragma(`synchronous = ${options.synchronous === 'normal' ? 'NORMAL' : 'FULL'}`);
      db.exec(SCHEMA);
    } catch (error) {
      throw new StoreUnavailableError(`Cannot open SQLite store at ${options.path}`, error);
    }
    return new SqliteEventStore(db, options.pollIntervalMs ?? 100);
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult> {
    const json = validateAppend(streamId, events);
    const expected = validateExpectedRevision(options?.expectedRevision);
    this.assertOpen();
    let result: AppendResult | undefined;
    try {
      result = await this.group.run(() => this.appendOnce(streamId, events, json, expected));
    } catch (error) {
      throw error instanceof WrongExpectedVersionError ? error : mapError(error);
    }
    if (!result) return this.appendToStream(streamId, events, options);
    if (result.events.length) this.wakeUps.wakeAll();
    return result;
  }

  /**
   * One append inside the group's transaction (its own savepoint). Undefined when an id of the
   * batch was in the stream and went away: the caller retries.
   */
  private appendOnce(
    streamId: string,
    events: readonly EventToAppend[],
    json: { data: string; metadata: string }[],
    expected: ExpectedRevision,
  ): AppendResult | undefined {
    try {
      return this.appendFast(streamId, events, json, expected);
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      // An id of the batch is already in the stream: an idempotent retry, or a conflict.
      return this.appendChecked(streamId, events, expected);
    }
  }

  /** Runs inside BEGIN IMMEDIATE. Throws SQLITE_CONSTRAINT_UNIQUE when an id is already in the stream. */
  private insertBatch(
    streamId: string,
    events: readonly EventToAppend[],
    json: { data: string; metadata: string }[],
    expected: ExpectedRevision,
  ): AppendResult {
    const s = this.statements;
    const head = s.streamHead.get(streamId) as [number, number | null] | undefined;
    const current = head?.[1] ?? -1;
    if (!revisionMatches(expected, current)) {
      const stored = this.existingEvents(streamId, events);
      if (stored) return resultOf(stored);
      throw new WrongExpectedVersionError(streamId, expected, actualOf(current));
    }
    const streamNo = head ? head[0] : Number(s.insertStream.run(streamId).lastInsertRowid);
    const first = ((s.maxPosition.get() as number | null) ?? 0) + 1;
    this.unsyncedFrom ??= first;
    const now = Date.now();
    const recorded: RecordedEvent[] = new Array(events.length);
    // Rows go in by multi-row INSERTs of up to INSERT_CHUNK rows: one native call per chunk.
    for (let start = 0; start < events.length;) {
      const size = chunkSize(events.length - start);
      const params: unknown[] = new Array(size * INSERT_COLUMNS);
      for (let i = start, p = 0; i < start + size; i++) {
        const event = events[i];
        const id = event.id.toLowerCase();
        params[p++] = first + i;
        params[p++] = streamNo;
        params[p++] = streamId;
        params[p++] = current + 1 + i;
        params[p++] = id;
        params[p++] = event.type;
        params[p++] = json[i].data;
        params[p++] = json[i].metadata;
        params[p++] = now;
        recorded[i] = {
          id,
          type: event.type,
          data: event.data,
          metadata: event.metadata ?? { schemaVersion: 1 },
          streamId,
          revision: BigInt(current + 1 + i),
          position: BigInt(first + i),
          recordedAt: new Date(now),
        };
      }
      this.insertStatement(size).run(params);
      start += size;
    }
    const last = recorded[recorded.length - 1];
    return {
      nextExpectedRevision: last.revision,
      position: last.position,
      events: recorded,
      alreadyStored: false,
    };
  }

  /**
   * BulkAppender: the appends in one transaction of the group commit, the rows of many streams
   * per multi-row INSERT, nothing read back. When one of them is not a plain new append (its
   * stream or one of its ids is already stored, or its expected revision does not match: a
   * re-run, a conflict), the transaction is undone and the appends go one by one through
   * `appendToStream`, which answers each as it would alone (an idempotent no-op, or
   * WrongExpectedVersionError).
   */
  async appendSerialized(appends: readonly SerializedAppend[]): Promise<void> {
    if (appends.length === 0) return;
    this.assertOpen();
    let plain = true;
    try {
      await this.group.run(() => this.insertSerialized(appends));
    } catch (error) {
      const unique = (error as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE';
      if (!(error instanceof NotPlainAppend) && !unique) throw mapError(error);
      plain = false;
    }
    if (plain) {
      this.wakeUps.wakeAll();
      return;
    }
    for (const append of appends) {
      await this.appendToStream(append.streamId, deserializeAppend(append), {
        expectedRevision: append.expectedRevision,
      });
    }
  }

  /** Runs inside BEGIN IMMEDIATE; throws NotPlainAppend or SQLITE_CONSTRAINT_UNIQUE to undo it. */
  private insertSerialized(appends: readonly SerializedAppend[]): void {
    const s = this.statements;
    /** Streams this call started or continued: their number and next revision. */
    const heads = new Map<string, { streamNo: number; next: number }>();
    let position = ((s.maxPosition.get() as number | null) ?? 0) + 1;
    this.unsyncedFrom ??= position;
    const now = Date.now();
    const full = this.insertStatement(INSERT_CHUNK);
    const params: unknown[] = new Array(INSERT_CHUNK * INSERT_COLUMNS);
    let rows = 0;
    for (const append of appends) {
      const expected = append.expectedRevision;
      let head = heads.get(append.streamId);
      // A new stream needs no look: one already there fails the unique stream id below.
      if (!head && expected !== 'no_stream') {
        const stored = s.streamHead.get(append.streamId) as [number, number | null] | undefined;
        if (stored) head = { streamNo: stored[0], next: (stored[1] ?? -1) + 1 };
      }
      if (!revisionMatches(expected, head ? head.next - 1 : -1)) throw new NotPlainAppend();
      head ??= { streamNo: Number(s.insertStream.run(append.streamId).lastInsertRowid), next: 0 };
      heads.set(append.streamId, head);
      for (let i = 0; i < append.ids.length; i++) {
        let p = rows * INSERT_COLUMNS;
        params[p++] = position++;
        params[p++] = head.streamNo;
        params[p++] = append.streamId;
        params[p++] = head.next++;
        params[p++] = append.ids[i];
        params[p++] = append.types[i];
        params[p++] = append.data[i];
        params[p++] = append.metadata[i];
        params[p++] = now;
        if (++rows === INSERT_CHUNK) {
          full.run(params);
          rows = 0;
        }
      }
    }
    // The rest in chunks of decreasing powers of two.
    for (let start = 0; start < rows;) {
      const size = chunkSize(rows - start);
      this.insertStatement(size).run(
        params.slice(start * INSERT_COLUMNS, (start + size) * INSERT_COLUMNS),
      );
      start += size;
    }
  }

  /**
   * Runs inside BEGIN IMMEDIATE after an insert hit an id already in the stream. Returns the stored
   * events when the whole batch is there, undefined when none is (the conflicting row went away:
   * retry), and throws WrongExpectedVersion when only some are.
   */
  private appendWithExistingIds(
    streamId: string,
    events: readonly EventToAppend[],
    expected: ExpectedRevision,
  ): AppendResult | undefined {
    const stored = this.existingEvents(streamId, events);
    if (stored) return resultOf(stored);
    const head = this.statements.streamHead.get(streamId) as [number, number | null] | undefined;
    const current = head?.[1] ?? -1;
    if (this.countExisting(streamId, events) === 0) return undefined;
    throw new WrongExpectedVersionError(streamId, expected, actualOf(current));
  }

  /** The stored events when every id of the batch is already in the stream, else undefined. */
  private existingEvents(
    streamId: string,
    events: readonly EventToAppend[],
  ): RecordedEvent[] | undefined {
    const stored: RecordedEvent[] = [];
    for (const event of events) {
      const row = this.statements.byEventId.get(streamId, event.id.toLowerCase()) as
        EventRow | undefined;
      if (!row) return undefined;
      stored.push(toEvent(row));
    }
    return stored;
  }

  private countExisting(streamId: string, events: readonly EventToAppend[]): number {
    let count = 0;
    for (const event of events) {
      if (this.statements.byEventId.get(streamId, event.id.toLowerCase())) count++;
    }
    return count;
  }

  readStream(streamId: string, options: ReadStreamOptions = {}): AsyncIterable<RecordedEvent> {
    const statement =
      options.direction === 'backwards'
        ? this.statements.streamBackwards
        : this.statements.streamForwards;
    return readStreamPages(options, (cursor, limit) => {
      this.assertOpen();
      return (statement.all(streamId, cursor, limit) as EventRow[]).map(toEvent);
    });
  }

  readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const filter = hasFilter(options.filter) ? options.filter : undefined;
    return readAllPages(options, (after, limit) => {
      this.assertOpen();
      return this.scan(filter, after, Math.min(limit, PAGE), SCAN_WINDOW);
    });
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const filter = hasFilter(options.filter) ? options.filter : undefined;
    return new CatchUpSubscription({
      start: subscriptionStart(options.from, () => this.head()),
      fetch: (after) => this.subscriptionPage(filter, after),
      wakeUps: this.wakeUps,
      pollIntervalMs: this.pollIntervalMs,
      storeClosed: () => this.closed,
    });
  }

  /** A live subscription's next page: up to the durable head, from the newest events if it can. */
  private subscriptionPage(filter: AllFilter | undefined, after: bigint): ScannedPage {
    let stored = this.subscriptionHead;
    if (stored === undefined) {
      stored = this.subscriptionHead = this.head();
      setImmediate(() => {
        this.subscriptionHead = undefined;
      });
    }
    const head =
      this.unsyncedFrom !== undefined && BigInt(this.unsyncedFrom) <= stored
        ? BigInt(this.unsyncedFrom - 1)
        : stored;
    // Synchronous, as this store's reads are.
    const page = this.recent.page(filter, after, head, PAGE) as ScannedPage | undefined;
    if (page) return page;
    const to = scanWindowEnd(after, head, SCAN_WINDOW);
    return windowPage(this.filteredPage(filter, after, to, PAGE).map(toEvent), PAGE, to, head);
  }

  /**
   * The next page after `after`. A filtered scan looks at a bounded window of positions per call,
   * up to the head read first, so a rare filter neither blocks the process on a long scan nor
   * rescans what it already passed. Synchronous: no append can interleave with a page.
   */
  private scan(
    filter: AllFilter | undefined,
    after: bigint,
    limit: number,
    window?: bigint,
  ): ScannedPage {
    // What the live subscriptions read lately is parsed already: no query for that part.
    const held = this.recent.heldPage(filter, after, limit);
    if (held) return held;
    if (!filter) {
      const rows = this.statements.allPage.all(after, limit) as EventRow[];
      return keysetPage(rows.map(toEvent), after, limit);
    }
    const head = this.head();
    const to = scanWindowEnd(after, head, window);
    // Nothing new (most polls of a live subscription): no query.
    if (to <= after) return windowPage([], limit, to, head);
    return windowPage(this.filteredPage(filter, after, to, limit).map(toEvent), limit, to, head);
  }

  async headPosition(): Promise<GlobalPosition | undefined> {
    this.assertOpen();
    return positionOf(this.statements.maxPosition.get() as number | null);
  }

  async loadCheckpoint(consumerId: string): Promise<GlobalPosition | undefined> {
    this.assertOpen();
    return positionOf(this.statements.loadCheckpoint.get(consumerId) as number | undefined);
  }

  /** Durable when it resolves; checkpoints saved together share a commit with the appends. */
  async saveCheckpoint(consumerId: string, position: GlobalPosition): Promise<void> {
    this.assertOpen();
    try {
      await this.group.run(() =>
        this.statements.saveCheckpoint.run(consumerId, position, Date.now()),
      );
    } catch (error) {
      throw mapError(error);
    }
  }

  /** Synchronous, so it can run inside a read model's `db.transaction(...)`. */
  saveCheckpointSync(consumerId: string, position: GlobalPosition): void {
    try {
      this.statements.saveCheckpoint.run(consumerId, position, Date.now());
    } catch (error) {
      throw mapError(error);
    }
  }

  async health(): Promise<StoreHealth> {
    try {
      this.assertOpen();
      this.db.prepare('SELECT 1').get();
      return { store: 'sqlite', reachable: true, detail: this.db.name };
    } catch (error) {
      return { store: 'sqlite', reachable: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Appends already asked for are committed (or fail) before the connection goes.
    this.group.flush();
    this.wakeUps.wakeAll();
    this.wakeUps.clear();
    this.db.close();
  }

  private insertStatement(rows: number): Statement {
    let statement = this.inserts.get(rows);
    if (!statement) {
      const values = Array.from({ length: rows }, () => '(?, ?, ?, ?, ?, ?, ?, ?, ?)').join(', ');
      statement = this.db.prepare(
        `INSERT INTO es_events (position, stream_no, stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES ${values}`,
      );
      this.inserts.set(rows, statement);
    }
    return statement;
  }

  /** The head position, 0n for an empty store. */
  private head(): bigint {
    return BigInt((this.statements.maxPosition.get() as number | null) ?? 0);
  }

  /** Events with after < position <= upTo matching the filter, in order. */
  private filteredPage(
    filter: AllFilter | undefined,
    after: bigint,
    upTo: bigint,
    limit: number,
  ): EventRow[] {
    const categories = filter?.categories?.length ? filter.categories : [];
    const prefixes = filter?.eventTypePrefixes?.length ? filter.eventTypePrefixes : [];
    const key = `${categories.length}:${prefixes.length}`;
    let statement = this.filterStatements.get(key);
    if (!statement) {
      const where = ['position > ?', 'position <= ?'];
      if (categories.length) where.push(`category IN (${categories.map(() => '?').join(', ')})`);
      if (prefixes.length) {
        where.push(`(${prefixes.map(() => 'instr(type, ?) = 1').join(' OR ')})`);
      }
      statement = this.db
        .prepare(
          `SELECT ${COLUMNS} FROM es_events WHERE ${where.join(' AND ')} ORDER BY position LIMIT ?`,
        )
        .raw(true);
      this.filterStatements.set(key, statement);
    }
    return statement.all(after, upTo, ...categories, ...prefixes, limit) as EventRow[];
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreUnavailableError('The SQLite event store is closed');
  }
}

/** The answer to a re-append of events already in the stream. */
function resultOf(events: RecordedEvent[]): AppendResult {
  const last = events[events.length - 1];
  return {
    nextExpectedRevision: last.revision,
    position: last.position,
    events,
    alreadyStored: true,
  };
}

function revisionMatches(expected: ExpectedRevision, current: number): boolean {
  switch (expected) {
    case 'any':
      return true;
    case 'no_stream':
      return current < 0;
    case 'stream_exists':
      return current >= 0;
    default:
      return BigInt(current) === expected;
  }
}

function actualOf(current: number): bigint | 'no_stream' {
  return current < 0 ? 'no_stream' : BigInt(current);
}

function hasFilter(filter: AllFilter | undefined): filter is AllFilter {
  return !!(filter?.categories?.length || filter?.eventTypePrefixes?.length);
}
