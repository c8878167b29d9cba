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
 * Appends asked for in the same turn of the event loop share one transaction and one commit (group
 * commit, see GroupCommit), each in its own savepoint; each is acknowledged after that commit.
 */
import Database from 'better-sqlite3';
import type { Database as SqliteDatabase, Statement } from 'better-sqlite3';
import { validateAppend, validateExpectedRevision } from '../append-validation';
import { StoreUnavailableError, WrongExpectedVersionError } from '../errors';
import type {
  AllFilter,
  AppendOptions,
  AppendResult,
  EventMetadata,
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
import { CatchUpSubscription, WakeUps, subscriptionStart } from '../subscription-pump';
import { GroupCommit } from './group-commit';

/**
 * A subscription's page, smaller than a read's: this adapter reads synchronously, on the event loop
 * the API serves from, so a page of a catching-up subscription must take milliseconds (a filtered
 * scan reads every row of its window, a 20,000-row window took 60-110 ms of CPU on a 1M-event
 * store). Catch-up asks again at once while `more` says the log goes on.
 */
const SUBSCRIPTION_PAGE = 250;
const SUBSCRIPTION_SCAN_WINDOW = 2_500n;

export interface SqliteEventStoreOptions {
  /** File path, or ':memory:' for tests. */
  path: string;
  /** 'full' (default): nothing acknowledged is lost on power failure. 'normal': faster in WAL mode, may lose the last commits on power loss (never corrupts). */
  synchronous?: 'full' | 'normal';
  /** How often live subscriptions look for appends made by other processes. Default 100 ms. */
  pollIntervalMs?: number;
}

const COLUMNS = 'position, stream_id, revision, event_id, type, data, metadata, recorded_at';
const STREAM_NO = '(SELECT stream_no FROM es_streams WHERE stream_id = ?)';

/** A row as better-sqlite3 returns it in raw mode, in COLUMNS order. */
type EventRow = [number, string, number, string, string, string, string, number];

const SCHEMA = `
CREATE TABLE IF NOT EXISTS es_streams (
  stream_no   INTEGER PRIMARY KEY,
  stream_id   TEXT    NOT NULL UNIQUE
);
CREATE TABLE IF NOT EXISTS es_events (
  position    INTEGER PRIMARY KEY,
  stream_no   INTEGER NOT NULL,
  stream_id   TEXT    NOT NULL,
  revision    INTEGER NOT NULL,
  event_id    TEXT    NOT NULL,
  type        TEXT    NOT NULL,
  data        TEXT    NOT NULL,
  metadata    TEXT    NOT NULL,
  recorded_at INTEGER NOT NULL,
  category    TEXT GENERATED ALWAYS AS (
    CASE WHEN instr(stream_id, '-') > 0 THEN substr(stream_id, 1, instr(stream_id, '-') - 1)
    ELSE stream_id END) VIRTUAL
);
CREATE UNIQUE INDEX IF NOT EXISTS es_events_stream_revision ON es_events (stream_no, revision);
CREATE UNIQUE INDEX IF NOT EXISTS es_events_stream_event_id ON es_events (stream_no, event_id);
CREATE TABLE IF NOT EXISTS es_checkpoints (
  consumer_id TEXT    PRIMARY KEY,
  position    INTEGER NOT NULL,
  updated_at  INTEGER NOT NULL
);
`;

export class SqliteEventStore implements EventStore {
  readonly kind = 'sqlite' as const;
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
      return this.scan(filter, after, limit);
    });
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    this.assertOpen();
    const filter = hasFilter(options.filter) ? options.filter : undefined;
    return new CatchUpSubscription({
      start: subscriptionStart(options.from, () => this.head()),
      fetch: (after) => this.scan(filter, after, SUBSCRIPTION_PAGE, SUBSCRIPTION_SCAN_WINDOW),
      wakeUps: this.wakeUps,
      pollIntervalMs: this.pollIntervalMs,
      storeClosed: () => this.closed,
    });
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
    if (!filter) {
      const rows = this.statements.allPage.all(after, limit) as EventRow[];
      return keysetPage(rows.map(toEvent), after, limit);
    }
    const head = this.head();
    const to = scanWindowEnd(after, head, window);
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

  async saveCheckpoint(consumerId: string, position: GlobalPosition): Promise<void> {
    this.assertOpen();
    this.saveCheckpointSync(consumerId, position);
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

function prepareStatements(db: SqliteDatabase) {
  return {
    // The stream's number and last revision; no row when the stream does not exist.
    streamHead: db
      .prepare(
        `SELECT s.stream_no, (SELECT max(e.revision) FROM es_events e WHERE e.stream_no = s.stream_no)
         FROM es_streams s WHERE s.stream_id = ?`,
      )
      .raw(true),
    insertStream: db.prepare('INSERT INTO es_streams (stream_id) VALUES (?)'),
    maxPosition: db.prepare('SELECT max(position) FROM es_events').pluck(true),
    byEventId: db
      .prepare(`SELECT ${COLUMNS} FROM es_events WHERE stream_no = ${STREAM_NO} AND event_id = ?`)
      .raw(true),
    streamForwards: db
      .prepare(
        `SELECT ${COLUMNS} FROM es_events WHERE stream_no = ${STREAM_NO} AND revision >= ? ORDER BY revision LIMIT ?`,
      )
      .raw(true),
    streamBackwards: db
      .prepare(
        `SELECT ${COLUMNS} FROM es_events WHERE stream_no = ${STREAM_NO} AND revision <= ? ORDER BY revision DESC LIMIT ?`,
      )
      .raw(true),
    allPage: db
      .prepare(`SELECT ${COLUMNS} FROM es_events WHERE position > ? ORDER BY position LIMIT ?`)
      .raw(true),
    loadCheckpoint: db
      .prepare('SELECT position FROM es_checkpoints WHERE consumer_id = ?')
      .pluck(true),
    saveCheckpoint: db.prepare(
      `INSERT INTO es_checkpoints (consumer_id, position, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (consumer_id) DO UPDATE SET position = excluded.position, updated_at = excluded.updated_at`,
    ),
  };
}

const INSERT_COLUMNS = 9;
const INSERT_CHUNK = 64;

/** Rows of the next INSERT: powers of two up to INSERT_CHUNK, so at most 7 statements are cached. */
function chunkSize(remaining: number): number {
  let size = INSERT_CHUNK;
  while (size > remaining) size >>= 1;
  return size;
}

function toEvent(row: EventRow): RecordedEvent {
  return {
    id: row[3],
    type: row[4],
    data: JSON.parse(row[5]),
    metadata: JSON.parse(row[6]) as EventMetadata,
    streamId: row[1],
    revision: BigInt(row[2]),
    position: BigInt(row[0]),
    recordedAt: new Date(row[7]),
  };
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

const UNAVAILABLE = /^SQLITE_(BUSY|LOCKED|IOERR|FULL|CANTOPEN|READONLY|CORRUPT|NOTADB)/;

function mapError(error: unknown): unknown {
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string' && UNAVAILABLE.test(code)) {
    return new StoreUnavailableError(
      `SQLite store unavailable: ${(error as Error).message}`,
      error,
    );
  }
  return error;
}
