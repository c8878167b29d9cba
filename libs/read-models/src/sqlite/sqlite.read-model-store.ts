import Database from 'better-sqlite3';
import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import {
  assertIdentifier,
  type BatchCommit,
  type ColumnValue,
  type CommitOutcome,
  decodeCursor,
  encodeCursor,
  InvalidReadModelQueryError,
  keysetAfter,
  type LeaseRenewal,
  type ListPage,
  type ListQuery,
  normalizeWhere,
  type ProjectionFailure,
  type ProjectionRunState,
  type ProjectionStatusRecord,
  readModelTable,
  type ReadModelStore,
  rebuildLeaseName,
  rebuildTable,
  type StateWrite,
  type StoredState,
  UnknownReadModelError,
} from '../read-model-store';
import { encodeStates } from '../state-encoding';

export interface SqliteReadModelStoreOptions {
  /** A file path (the event store's file in the embedded deployment) or ':memory:'. */
  path?: string;
  /** An open connection to use instead; it is not closed by `close()`. */
  db?: Database.Database;
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

/** Rows per INSERT statement while writing a rebuild table. */
const REBUILD_ROWS_PER_INSERT = 100;
/** Page cache of a rebuilding connection, in KiB (negative: SQLite's unit for a size in KiB). */
const REBUILD_CACHE_SIZE = -131_072;

const STATUS_SELECT = `
  SELECT s.*, l.owner AS lease_owner, l.expires_at AS lease_expires_at,
         r.expires_at AS rebuild_expires_at
  FROM rm_projection_status s
  LEFT JOIN rm_projection_lease l ON l.name = s.name
  LEFT JOIN rm_projection_lease r ON r.name = s.name || '#rebuild'`;

/**
 * Read models in SQLite: `rm_<name>` tables (key, JSON state, position, indexed columns), the
 * `rm_projection_status` table and `rm_projection_lease`. Write transactions are IMMEDIATE, so
 * SQLite's write lock makes lease checks and commits atomic across connections and processes.
 */
export class SqliteReadModelStore implements ReadModelStore {
  readonly kind = 'sqlite';
  private readonly ownsDb: boolean;
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tableColumns = new Map<string, Set<string>>();
  /** Projections with a rebuild table open, and the connection settings to restore after them. */
  private readonly rebuilding = new Set<string>();
  private savedPragmas: { cacheSize: number; tempStore: number } | undefined;

  private constructor(
    readonly db: Database.Database,
    ownsDb: boolean,
  ) {
    this.ownsDb = ownsDb;
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
    if (options.db) return new SqliteReadModelStore(options.db, false);
    const db = new Database(options.path ?? ':memory:');
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('busy_timeout = 10000');
    return new SqliteReadModelStore(db, true);
  }

  async register(projection: AnyProjection): Promise<ProjectionStatusRecord> {
    assertIdentifier(projection.name, 'Projection name');
    const columns = columnNames(projection);
    this.db
      .transaction(() => {
        const exists = this.db
          .prepare('SELECT epoch FROM rm_projection_status WHERE name = ?')
          .get(projection.name);
        if (!exists) {
          this.db
            .prepare(
              `INSERT INTO rm_projection_status (name, version, checkpoint, status, updated_at, active_table, epoch)
               VALUES (?, ?, NULL, 'stopped', ?, ?, 0)`,
            )
            .run(projection.name, projection.version, nowIso(), readModelTable(projection.name));
          this.createTable(readModelTable(projection.name), columns);
          this.createIndexes(projection.name, readModelTable(projection.name), columns, 0);
        }
      })
      .immediate();
    return (await this.getStatus(projection.name))!;
  }

  async getStatus(name: string): Promise<ProjectionStatusRecord | undefined> {
    const row = this.stmt(`${STATUS_SELECT} WHERE s.name = ?`, true).get(name) as
      StatusRow | undefined;
    return row ? toStatus(row) : undefined;
  }

  async listStatuses(): Promise<ProjectionStatusRecord[]> {
    const rows = this.stmt(`${STATUS_SELECT} ORDER BY s.name`, true).all() as StatusRow[];
    return rows.map(toStatus);
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    return this.db.transaction(() => this.takeLease(name, owner, ttlMs)).immediate();
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<LeaseRenewal> {
    return this.db
      .transaction((): LeaseRenewal => {
        const lease = this.stmt('SELECT owner FROM rm_projection_lease WHERE name = ?').get(
          name,
        ) as { owner: string } | undefined;
        const epoch = this.epochOf(name);
        if (lease?.owner !== owner) return { held: false, epoch };
        this.stmt('UPDATE rm_projection_lease SET expires_at = ? WHERE name = ?').run(
          Date.now() + ttlMs,
          name,
        );
        return { held: true, epoch };
      })
      .immediate();
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    this.stmt('DELETE FROM rm_projection_lease WHERE name = ? AND owner = ?').run(name, owner);
  }

  async loadStates(name: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    const select = this.stmt(`SELECT state FROM ${q(readModelTable(name))} WHERE key = ?`);
    for (const key of keys) {
      const row = select.get(key) as { state: string } | undefined;
      if (row) found.set(key, JSON.parse(row.state));
    }
    return found;
  }

  async commitBatch(projection: AnyProjection, commit: BatchCommit): Promise<CommitOutcome> {
    // Encode before taking the write lock: other connections wait less, and a state that cannot
    // be encoded fails the batch before anything is written.
    const rows = encodeStates(projection, commit.states);
    const upsert =
      rows.length > 0
        ? this.upsertStatement(readModelTable(projection.name), projection)
        : undefined;
    return this.db
      .transaction((): CommitOutcome => {
        const lease = this.stmt('SELECT owner FROM rm_projection_lease WHERE name = ?').get(
          projection.name,
        ) as { owner: string } | undefined;
        if (lease?.owner !== commit.owner) return 'lease_lost';
        if (this.epochOf(projection.name) !== commit.epoch) return 'epoch_changed';
        for (const row of rows) upsert!.run(row.key, row.state, row.position, ...row.columns);
        const failure = commit.failure;
        this.stmt(
          `UPDATE rm_projection_status
           SET checkpoint = coalesce(?, checkpoint), updated_at = ?,
               status = CASE WHEN ? IS NULL THEN status ELSE 'failed' END,
               error = coalesce(?, error), failed_position = coalesce(?, failed_position),
               failed_event_id = coalesce(?, failed_event_id)
           WHERE name = ?`,
        ).run(
          commit.checkpoint ?? null,
          nowIso(),
          failure?.error ?? null,
          failure?.error ?? null,
          failure?.position ?? null,
          failure?.eventId ?? null,
          projection.name,
        );
        if (failure) {
          this.stmt('DELETE FROM rm_projection_lease WHERE name = ?').run(projection.name);
        } else {
          this.stmt('UPDATE rm_projection_lease SET expires_at = ? WHERE name = ?').run(
            Date.now() + commit.leaseTtlMs,
            projection.name,
          );
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
    this.stmt(
      `UPDATE rm_projection_status SET status = ?, updated_at = ?,
         error = CASE WHEN ? THEN NULL ELSE error END,
         failed_position = CASE WHEN ? THEN NULL ELSE failed_position END,
         failed_event_id = CASE WHEN ? THEN NULL ELSE failed_event_id END
       WHERE name = ?`,
    ).run(state, nowIso(), clear, clear, clear, name);
  }

  async recordFailure(name: string, failure: ProjectionFailure): Promise<void> {
    this.stmt(
      `UPDATE rm_projection_status SET status = 'failed', updated_at = ?, error = ?,
         failed_position = ?, failed_event_id = ?
       WHERE name = ?`,
    ).run(nowIso(), failure.error, failure.position, failure.eventId, name);
  }

  async beginRebuild(projection: AnyProjection): Promise<void> {
    assertIdentifier(projection.name, 'Projection name');
    const table = rebuildTable(projection.name);
    this.db
      .transaction(() => {
        this.db.exec(`DROP TABLE IF EXISTS ${q(table)}`);
        // Indexes come at the swap: building them once over the full table is faster.
        this.createTable(table, columnNames(projection));
      })
      .immediate();
    this.startRebuilding(projection.name);
  }

  async writeRebuildStates(
    projection: AnyProjection,
    states: readonly StateWrite[],
  ): Promise<void> {
    const rows = encodeStates(projection, states);
    const table = rebuildTable(projection.name);
    const width = 3 + columnNames(projection).length;
    const perStatement = Math.max(1, Math.min(REBUILD_ROWS_PER_INSERT, Math.floor(999 / width)));
    this.db
      .transaction(() => {
        let i = 0;
        if (rows.length >= perStatement) {
          const many = this.upsertStatement(table, projection, perStatement);
          const params: unknown[] = new Array<unknown>(perStatement * width);
          for (; i + perStatement <= rows.length; i += perStatement) {
            let p = 0;
            for (let r = i; r < i + perStatement; r++) {
              const row = rows[r];
              params[p++] = row.key;
              params[p++] = row.state;
              params[p++] = row.position;
              for (const value of row.columns) params[p++] = value;
            }
            many.run(params);
          }
        }
        if (i < rows.length) {
          const one = this.upsertStatement(table, projection, 1);
          for (; i < rows.length; i++) {
            const row = rows[i];
            one.run(row.key, row.state, row.position, ...row.columns);
          }
        }
      })
      .immediate();
  }

  async swapRebuild(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
    rebuildOwner: string,
  ): Promise<ProjectionStatusRecord> {
    const name = projection.name;
    const live = readModelTable(name);
    const rebuilt = rebuildTable(name);
    const old = `${live}__old`;
    const nextEpoch = this.epochOf(name) + 1;
    this.createIndexes(name, rebuilt, columnNames(projection), nextEpoch);
    this.db
      .transaction(() => {
        const lease = this.stmt('SELECT owner FROM rm_projection_lease WHERE name = ?').get(
          rebuildLeaseName(name),
        ) as { owner: string } | undefined;
        if (lease?.owner !== rebuildOwner) {
          throw new Error(`The rebuild of '${name}' lost its lease; the old table keeps serving`);
        }
        if (this.epochOf(name) + 1 !== nextEpoch) {
          throw new Error(`'${name}' was swapped by another rebuild meanwhile`);
        }
        this.db.exec(`DROP TABLE IF EXISTS ${q(old)}`);
        this.db.exec(`ALTER TABLE ${q(live)} RENAME TO ${q(old)}`);
        this.db.exec(`ALTER TABLE ${q(rebuilt)} RENAME TO ${q(live)}`);
        this.stmt(
          `UPDATE rm_projection_status
           SET version = ?, checkpoint = ?, epoch = ?, updated_at = ?, active_table = ?,
               status = CASE WHEN status = 'failed' THEN 'stopped' ELSE status END,
               error = NULL, failed_position = NULL, failed_event_id = NULL
           WHERE name = ?`,
        ).run(projection.version, checkpoint ?? null, nextEpoch, nowIso(), live, name);
      })
      .immediate();
    // Freeing the old pages outside the swap keeps the write lock short.
    this.db.exec(`DROP TABLE IF EXISTS ${q(old)}`);
    this.tableColumns.delete(live);
    this.stopRebuilding(name);
    return (await this.getStatus(name))!;
  }

  async abandonRebuild(name: string): Promise<void> {
    this.db.exec(`DROP TABLE IF EXISTS ${q(rebuildTable(name))}`);
    this.stopRebuilding(name);
  }

  /**
   * While a rebuild table is open the connection gets a large page cache and in-memory temp
   * storage (the index builds at the swap sort in it). Durability does not change: `synchronous`
   * stays as configured, and each swap is its own transaction.
   */
  private startRebuilding(name: string): void {
    if (this.rebuilding.size === 0 && this.db.open) {
      this.savedPragmas = {
        cacheSize: this.db.pragma('cache_size', { simple: true }) as number,
        tempStore: this.db.pragma('temp_store', { simple: true }) as number,
      };
      this.db.pragma(`cache_size = ${REBUILD_CACHE_SIZE}`);
      this.db.pragma('temp_store = MEMORY');
    }
    this.rebuilding.add(name);
  }

  private stopRebuilding(name: string): void {
    if (!this.rebuilding.delete(name) || this.rebuilding.size > 0) return;
    const saved = this.savedPragmas;
    this.savedPragmas = undefined;
    if (!saved || !this.db.open) return;
    this.db.pragma(`cache_size = ${saved.cacheSize}`);
    this.db.pragma(`temp_store = ${saved.tempStore}`);
  }

  async get<State = unknown>(name: string, key: string): Promise<StoredState<State> | undefined> {
    const table = this.existingTable(name);
    const row = this.stmt(`SELECT key, state, position FROM ${q(table)} WHERE key = ?`).get(key) as
      { key: string; state: string; position: number } | undefined;
    return row ? toStored<State>(row) : undefined;
  }

  async list<State = unknown>(name: string, query: ListQuery = {}): Promise<ListPage<State>> {
    const table = this.existingTable(name);
    const orderBy = query.orderBy ?? 'key';
    this.assertColumn(table, orderBy);
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new InvalidReadModelQueryError('limit must be an integer from 1 to 10000');
    }
    const { sql: whereSql, params } = this.whereClause(table, query.where);
    const clauses = whereSql ? [whereSql] : [];
    if (query.after) {
      const [value, key] = decodeCursor(query.after);
      const cmp = direction === 'ASC' ? '>' : '<';
      if (orderBy === 'key') {
        clauses.push(`key ${cmp} ?`);
        params.push(key);
      } else {
        clauses.push(
          keysetAfter(q(orderBy), direction, value, key, (v) => (params.push(v as never), '?')),
        );
      }
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    const order =
      orderBy === 'key' ? `key ${direction}` : `${q(orderBy)} ${direction}, key ${direction}`;
    const offset = query.after ? 0 : (query.offset ?? 0);
    const rows = this.stmt(
      `SELECT key, state, position, ${orderBy === 'key' ? 'key' : q(orderBy)} AS sort_value
         FROM ${q(table)} ${where} ORDER BY ${order} LIMIT ? OFFSET ?`,
    ).all(...params, limit, offset) as {
      key: string;
      state: string;
      position: number;
      sort_value: ColumnValue;
    }[];
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => toStored<State>(row)),
      nextCursor:
        rows.length === limit && last ? encodeCursor(last.sort_value, last.key) : undefined,
    };
  }

  async count(name: string, where?: ListQuery['where']): Promise<number> {
    const table = this.existingTable(name);
    const { sql, params } = this.whereClause(table, where);
    const row = this.stmt(`SELECT count(*) AS n FROM ${q(table)} ${sql ? `WHERE ${sql}` : ''}`).get(
      ...params,
    ) as { n: number };
    return row.n;
  }

  async close(): Promise<void> {
    this.statements.clear();
    if (this.ownsDb && this.db.open) this.db.close();
  }

  private takeLease(name: string, owner: string, ttlMs: number): boolean {
    const now = Date.now();
    const lease = this.stmt('SELECT owner, expires_at FROM rm_projection_lease WHERE name = ?').get(
      name,
    ) as { owner: string; expires_at: number } | undefined;
    if (lease && lease.owner !== owner && lease.expires_at > now) return false;
    this.stmt(
      `INSERT INTO rm_projection_lease (name, owner, expires_at) VALUES (?, ?, ?)
       ON CONFLICT(name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at`,
    ).run(name, owner, now + ttlMs);
    return true;
  }

  private epochOf(name: string): number {
    const row = this.stmt('SELECT epoch FROM rm_projection_status WHERE name = ?').get(name) as
      { epoch: number } | undefined;
    return row?.epoch ?? 0;
  }

  private createTable(table: string, columns: readonly string[]): void {
    const extra = columns.map((c) => `, ${q(c)}`).join('');
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${q(table)} (key TEXT PRIMARY KEY, state TEXT NOT NULL, position INTEGER NOT NULL${extra})`,
    );
  }

  /** Index names carry the epoch: a rebuilt table keeps its index names after the rename. */
  private createIndexes(
    name: string,
    table: string,
    columns: readonly string[],
    epoch: number,
  ): void {
    for (const column of columns) {
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS ${q(`rmix_${name}_e${epoch}_${column}`)} ON ${q(table)} (${q(column)}, key)`,
      );
    }
  }

  /** `INSERT OR REPLACE` of `rows` rows at once (prepared once, then cached). */
  private upsertStatement(table: string, projection: AnyProjection, rows = 1): Database.Statement {
    const columns = columnNames(projection);
    const names = ['key', 'state', 'position', ...columns].map(q).join(', ');
    const marks = `(${['?', '?', '?', ...columns.map(() => '?')].join(', ')})`;
    return this.stmt(
      `INSERT OR REPLACE INTO ${q(table)} (${names}) VALUES ${Array<string>(rows).fill(marks).join(', ')}`,
    );
  }

  private existingTable(name: string): string {
    assertIdentifier(name, 'Projection name');
    const table = readModelTable(name);
    if (!this.columnsOf(table).size) throw new UnknownReadModelError(name);
    return table;
  }

  private columnsOf(table: string): Set<string> {
    let columns = this.tableColumns.get(table);
    if (!columns) {
      const info = this.db.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string }[];
      columns = new Set(info.map((c) => c.name));
      if (columns.size) this.tableColumns.set(table, columns);
    }
    return columns;
  }

  private assertColumn(table: string, column: string): void {
    if (column === 'state') throw new InvalidReadModelQueryError('state is not a queryable column');
    if (this.columnsOf(table).has(column)) return;
    this.tableColumns.delete(table); // a rebuild in another process may have added it
    if (!this.columnsOf(table).has(column)) {
      throw new InvalidReadModelQueryError(`Unknown column '${column}' in ${table}`);
    }
  }

  private whereClause(
    table: string,
    where: ListQuery['where'],
  ): { sql: string; params: ColumnValue[] } {
    const params: ColumnValue[] = [];
    const parts = normalizeWhere(where).map((condition) => {
      this.assertColumn(table, condition.column);
      if (!['=', '!=', '<', '<=', '>', '>='].includes(condition.op)) {
        throw new InvalidReadModelQueryError(`Unknown operator '${String(condition.op)}'`);
      }
      if (condition.value === null) {
        if (condition.op === '=') return `${q(condition.column)} IS NULL`;
        if (condition.op === '!=') return `${q(condition.column)} IS NOT NULL`;
        throw new InvalidReadModelQueryError(`Cannot compare ${condition.column} with null`);
      }
      params.push(condition.value);
      return `${q(condition.column)} ${condition.op} ?`;
    });
    return { sql: parts.join(' AND '), params };
  }

  private stmt(sql: string, safeIntegers = false): Database.Statement {
    const id = `${safeIntegers ? 'S' : 'N'}${sql}`;
    let statement = this.statements.get(id);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (safeIntegers) statement.safeIntegers(true);
      this.statements.set(id, statement);
    }
    return statement;
  }
}

function columnNames(projection: AnyProjection): string[] {
  const names = Object.keys(projection.columns ?? {});
  for (const name of names) {
    assertIdentifier(name, `Column of ${projection.name}`);
    if (name === 'key' || name === 'state' || name === 'position') {
      throw new InvalidReadModelQueryError(`Column name '${name}' is reserved`);
    }
  }
  return names;
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

function toStored<State>(row: {
  key: string;
  state: string;
  position: number;
}): StoredState<State> {
  return { key: row.key, state: JSON.parse(row.state) as State, position: BigInt(row.position) };
}

function q(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function nowIso(): string {
  return new Date().toISOString();
}
