import Database from 'better-sqlite3';
import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import {
  assertIdentifier,
  columnNames,
  indexedColumns,
  type BatchCommit,
  type CommitOutcome,
  type LeaseRenewal,
  type ListPage,
  type ListQuery,
  type ProjectionFailure,
  type ProjectionRunState,
  type ProjectionStatusRecord,
  readModelTable,
  type ReadModelStore,
  type StateWrite,
  type StoredState,
} from '../read-model-store';
import { encodeStates, StoredForms } from '../state-encoding';
import { SqliteReadModelQueries } from './sqlite-queries';
import { SqliteRebuilds } from './sqlite-rebuild';
import { nowIso, SqliteSession } from './sqlite-session';

export interface SqliteReadModelStoreOptions {
  /** A file path (the event store's file in the embedded deployment) or ':memory:'. */
  path?: string;
  /** An open connection to use instead; it is not closed by `close()`. */
  db?: Database.Database;
  /**
   * A rebuild running beside a serving process (the runtime's rebuild worker): each index of a
   * swap is built in its own transaction, so the server's writes wait for one index at most
   * rather than for all of a projection's. Default false: one transaction a projection, fewer
   * WAL checkpoints, for a rebuild that has the file to itself.
   */
  besideServer?: boolean;
}

interface StatusRow {
  name: string;
  version: bigint;
  checkpoint: bigint | null;
  status: ProjectionRunState;
  error: string | null;
  failed_position: bigint | null;
  failed_event_id: string | null;
  updated_at: string;
  active_table: string;
  epoch: bigint;
  lease_owner: string | null;
  lease_expires_at: bigint | null;
  rebuild_expires_at: bigint | null;
}

const STATUS_SELECT = `
  SELECT s.*, l.owner AS lease_owner, l.expires_at AS lease_expires_at,
         r.expires_at AS rebuild_expires_at
  FROM rm_projection_status s
  LEFT JOIN rm_projection_lease l ON l.name = s.name
  LEFT JOIN rm_projection_lease r ON r.name = s.name || '#rebuild'`;

/**
 * Read models in SQLite: `rm_<name>` tables (key, JSON state, position, columns), the
 * `rm_projection_status` table and `rm_projection_lease`. Write transactions are IMMEDIATE, so
 * SQLite's write lock makes lease checks and commits atomic across connections and processes.
 *
 * This file holds status, checkpoints and leases; `sqlite-rebuild.ts` rebuild and swap;
 * `sqlite-queries.ts` reads; `sqlite-session.ts` statements, tables and indexes.
 */
export class SqliteReadModelStore implements ReadModelStore {
  readonly kind = 'sqlite';
  private readonly ownsDb: boolean;
  private readonly session: SqliteSession;
  private readonly queries: SqliteReadModelQueries;
  private readonly rebuilds: SqliteRebuilds;
  private readonly forms = new StoredForms();

  private constructor(
    readonly db: Database.Database,
    ownsDb: boolean,
    besideServer: boolean,
  ) {
    this.ownsDb = ownsDb;
    this.session = new SqliteSession(db);
    this.queries = new SqliteReadModelQueries(this.session, this.forms);
    this.rebuilds = new SqliteRebuilds(this.session, besideServer);
    db.exec(`
      CREATE TABLE IF NOT EXISTS rm_projection_status (
        name TEXT PRIMARY KEY,
        version INTEGER NOT NULL,
        checkpoint INTEGER,
        status TEXT NOT NULL,
        error TEXT,
        failed_position INTEGER,
        failed_event_id TEXT,
        updated_at TEXT NOT NULL,
        active_table TEXT NOT NULL,
        epoch INTEGER NOT NULL DEFAULT 0
      );
      CREATE TABLE IF NOT EXISTS rm_projection_lease (
        name TEXT PRIMARY KEY,
        owner TEXT NOT NULL,
        expires_at INTEGER NOT NULL
      );`);
  }

  static open(options: SqliteReadModelStoreOptions): SqliteReadModelStore {
    const besideServer = options.besideServer ?? false;
    if (options.db) return new SqliteReadModelStore(options.db, false, besideServer);
    const db = new Database(options.path ?? ':memory:');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    return new SqliteReadModelStore(db, true, besideServer);
  }

  async register(projection: AnyProjection): Promise<ProjectionStatusRecord> {
    assertIdentifier(projection.name, 'Projection name');
    this.forms.note(projection);
    const columns = columnNames(projection);
    const indexed = indexedColumns(projection);
    const table = readModelTable(projection.name);
    this.db
      .transaction(() => {
        const stored = this.db
          .prepare('SELECT version, epoch FROM rm_projection_status WHERE name = ?')
          .get(projection.name) as { version: number; epoch: number } | undefined;
        if (!stored) {
          this.db
            .prepare(
              `INSERT INTO rm_projection_status (name, version, checkpoint, status, updated_at, active_table, epoch)
               VALUES (?, ?, NULL, 'stopped', ?, ?, 0)`,
            )
            .run(projection.name, projection.version, nowIso(), table);
          this.session.createTable(table, columns);
          this.session.createIndexes(projection.name, table, indexed, 0);
        } else if (stored.version === projection.version) {
          // Another version is rebuilt into a new table, indexed at its swap.
          this.session.reconcileIndexes(projection.name, table, indexed, stored.epoch);
        }
      })
      .immediate();
    return (await this.getStatus(projection.name))!;
  }

  async getStatus(name: string): Promise<ProjectionStatusRecord | undefined> {
    const row = this.session.stmt(`${STATUS_SELECT} WHERE s.name = ?`, true).get(name) as
      StatusRow | undefined;
    return row ? toStatus(row) : undefined;
  }

  /**
   * Where a read model stands (its checkpoint and epoch) and nothing else: what a value remembered
   * until the read model moves checks on every read, without the status's joins.
   */
  async getCheckpoint(
    name: string,
  ): Promise<{ checkpoint: bigint | undefined; epoch: number } | undefined> {
    const row = this.session
      .stmt('SELECT checkpoint, epoch FROM rm_projection_status WHERE name = ?', true)
      .get(name) as { checkpoint: bigint | null; epoch: bigint } | undefined;
    return row ? { checkpoint: row.checkpoint ?? undefined, epoch: Number(row.epoch) } : undefined;
  }

  async listStatuses(): Promise<ProjectionStatusRecord[]> {
    const rows = this.session.stmt(`${STATUS_SELECT} ORDER BY s.name`, true).all() as StatusRow[];
    return rows.map(toStatus);
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.db.transaction(() => this.takeLease(name, owner, ttlMs)).immediate();
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<LeaseRenewal> {
    return this.db
      .transaction((): LeaseRenewal => {
        const lease = this.session
          .stmt('SELECT owner FROM rm_projection_lease WHERE name = ?')
          .get(name) as { owner: string } | undefined;
        const epoch = this.session.epochOf(name);
        if (lease?.owner !== owner) return { held: false, epoch };
        this.session
          .stmt('UPDATE rm_projection_lease SET expires_at = ? WHERE name = ?')
          .run(Date.now() + ttlMs, name);
        return { held: true, epoch };
      })
      .immediate();
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.session
      .stmt('DELETE FROM rm_projection_lease WHERE name = ? AND owner = ?')
      .run(name, owner);
  }

  async loadStates(name: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    return this.queries.loadStates(name, keys);
  }

  async commitBatch(projection: AnyProjection, commit: BatchCommit): Promise<CommitOutcome> {
    // Encode before taking the write lock: other connections wait less, and a state that cannot
    // be encoded fails the batch before anything is written.
    this.forms.note(projection);
    const rows = encodeStates(projection, commit.states);
    const upsert =
      rows.length > 0
        ? this.session.upsertStatement(readModelTable(projection.name), projection)
        : undefined;
    return this.db
      .transaction((): CommitOutcome => {
        const lease = this.session
          .stmt('SELECT owner FROM rm_projection_lease WHERE name = ?')
          .get(projection.name) as { owner: string } | undefined;
        if (lease?.owner !== commit.owner) return 'lease_lost';
        if (this.session.epochOf(projection.name) !== commit.epoch) return 'epoch_changed';
        for (const row of rows) upsert!.run(row.key, row.state, row.position, ...row.columns);
        const failure = commit.failure;
        this.session
          .stmt(
            `UPDATE rm_projection_status
           SET checkpoint = coalesce(?, checkpoint), updated_at = ?,
               status = CASE WHEN ? IS NULL THEN status ELSE 'failed' END,
               error = coalesce(?, error), failed_position = coalesce(?, failed_position),
               failed_event_id = coalesce(?, failed_event_id)
           WHERE name = ?`,
          )
          .run(
            commit.checkpoint ?? null,
            nowIso(),
            failure?.error ?? null,
            failure?.error ?? null,
            failure?.position ?? null,
            failure?.eventId ?? null,
            projection.name,
          );
        if (failure) {
          this.session.stmt('DELETE FROM rm_projection_lease WHERE name = ?').run(projection.name);
        } else {
          this.session
            .stmt('UPDATE rm_projection_lease SET expires_at = ? WHERE name = ?')
            .run(Date.now() + commit.leaseTtlMs, projection.name);
        }
        return 'committed';
      })
      .immediate();
  }

  async setRunState(
    name: string,
    state: ProjectionRunState,
    options: { clearFailure?: boolean } = {},
  ): Promise<void> {
    const clear = options.clearFailure ? 1 : 0;
    this.session
      .stmt(
        `UPDATE rm_projection_status SET status = ?, updated_at = ?,
         error = CASE WHEN ? THEN NULL ELSE error END,
         failed_position = CASE WHEN ? THEN NULL ELSE failed_position END,
         failed_event_id = CASE WHEN ? THEN NULL ELSE failed_event_id END
       WHERE name = ?`,
      )
      .run(state, nowIso(), clear, clear, clear, name);
  }

  async recordFailure(name: string, failure: ProjectionFailure): Promise<void> {
    this.session
      .stmt(
        `UPDATE rm_projection_status SET status = 'failed', updated_at = ?, error = ?,
         failed_position = ?, failed_event_id = ?
       WHERE name = ?`,
      )
      .run(nowIso(), failure.error, failure.position, failure.eventId, name);
  }

  async beginRebuild(projection: AnyProjection): Promise<void> {
    this.rebuilds.begin(projection);
  }

  async writeRebuildStates(
    projection: AnyProjection,
    states: readonly StateWrite[],
  ): Promise<void> {
    this.rebuilds.write(projection, states);
  }

  async countRebuildRows(projection: AnyProjection): Promise<number> {
    return this.rebuilds.count(projection);
  }

  async swapRebuild(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
    rebuildOwner: string,
  ): Promise<ProjectionStatusRecord> {
    this.forms.note(projection);
    this.rebuilds.swap(projection, checkpoint, rebuildOwner);
    return (await this.getStatus(projection.name))!;
  }

  async abandonRebuild(name: string): Promise<void> {
    this.rebuilds.abandon(name);
  }

  async get<State = unknown>(name: string, key: string): Promise<StoredState<State> | undefined> {
    return this.queries.get<State>(name, key);
  }

  async list<State = unknown>(name: string, query: ListQuery = {}): Promise<ListPage<State>> {
    return this.queries.list<State>(name, query);
  }

  async count(name: string, where?: ListQuery['where']): Promise<number> {
    return this.queries.count(name, where);
  }

  async close(): Promise<void> {
    this.session.forget();
    if (this.ownsDb && this.db.open) this.db.close();
  }

  private takeLease(name: string, owner: string, ttlMs: number): boolean {
    const now = Date.now();
    const lease = this.session
      .stmt('SELECT owner, expires_at FROM rm_projection_lease WHERE name = ?')
      .get(name) as { owner: string; expires_at: number } | undefined;
    if (lease && lease.owner !== owner && lease.expires_at > now) return false;
    this.session
      .stmt(
        `INSERT INTO rm_projection_lease (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
      )
      .run(name, owner, now + ttlMs);
    return true;
  }
}

function toStatus(row: StatusRow): ProjectionStatusRecord {
  const now = BigInt(Date.now());
  const rebuilding = row.rebuild_expires_at !== null && row.rebuild_expires_at > now;
  return {
    name: row.name,
    version: Number(row.version),
    checkpoint: row.checkpoint ?? undefined,
    status: rebuilding ? 'rebuilding' : row.status,
    failure:
      row.error !== null
        ? {
            error: row.error,
            position: row.failed_position ?? 0n,
            eventId: row.failed_event_id ?? '',
          }
        : undefined,
    updatedAt: row.updated_at,
    activeTable: row.active_table,
    epoch: Number(row.epoch),
    leaseOwner: row.lease_owner ?? undefined,
    leaseExpiresAt:
      row.lease_expires_at !== null
        ? new Date(Number(row.lease_expires_at)).toISOString()
        : undefined,
  };
}
