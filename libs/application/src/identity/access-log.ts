import type { Database, Statement } from 'better-sqlite3';
import { BackgroundSyncCommit } from '@aftercare/event-store/sqlite';
import type { Pool } from 'pg';
import { createPgTable } from './pg-table';
import type { Principal } from './principal';

/** One read of personal data or of an audit view: who, what, when. */
export interface AccessEntry {
  /** Assigned by the log, increasing. */
  id: string;
  at: string;
  principalId: string;
  principalName: string;
  onBehalfOf: string | null;
  /** What was read: `customer.view`, `customer.list`, `customer.timeline`, `events.stream`, `audit.claim`, ... */
  action: string;
  /** Whose data: a customer id, a claim id, or null for lists. */
  subject: string | null;
  /** The request's query (filters, dates) or the command line's options. */
  detail: string | null;
  /** `http` or `cli`. */
  via: string;
}

export type NewAccessEntry = Omit<AccessEntry, 'id' | 'at' | 'principalId' | 'principalName'>;

export interface AccessQuery {
  from?: string;
  to?: string;
  principalId?: string;
  action?: string;
  subject?: string;
  /** Entries after this id (paging). */
  after?: string;
  limit?: number;
}

export interface AccessLogStore {
  append(entry: Omit<AccessEntry, 'id'>): Promise<void>;
  query(query: AccessQuery): Promise<AccessEntry[]>;
}

interface Row {
  id: number | string;
  at: string;
  principal_id: string;
  principal_name: string;
  on_behalf_of: string | null;
  action: string;
  subject: string | null;
  detail: string | null;
  via: string;
}

const fromRow = (row: Row): AccessEntry => ({
  id: String(row.id),
  at: row.at,
  principalId: row.principal_id,
  principalName: row.principal_name,
  onBehalfOf: row.on_behalf_of,
  action: row.action,
  subject: row.subject,
  detail: row.detail,
  via: row.via,
});

const COLUMNS = 'at, principal_id, principal_name, on_behalf_of, action, subject, detail, via';
const values = (e: Omit<AccessEntry, 'id'>) => [
  e.at,
  e.principalId,
  e.principalName,
  e.onBehalfOf,
  e.action,
  e.subject,
  e.detail,
  e.via,
];

/** WHERE clause and parameters for a query; `p(i)` spells the i-th placeholder. */
function where(query: AccessQuery, p: (i: number) => string): { sql: string; params: unknown[] } {
  const clauses: string[] = [];
  const params: unknown[] = [];
  const add = (clause: string, value: unknown) => {
    params.push(value);
    clauses.push(clause.replace('?', p(params.length)));
  };
  if (query.from !== undefined) add('at >= ?', query.from);
  if (query.to !== undefined) add('at <= ?', query.to);
  if (query.principalId !== undefined) add('principal_id = ?', query.principalId);
  if (query.action !== undefined) add('action = ?', query.action);
  if (query.subject !== undefined) add('subject = ?', query.subject);
  if (query.after !== undefined) add('id > ?', Number(query.after));
  return { sql: clauses.length ? `WHERE ${clauses.join(' AND ')}` : '', params };
}

const DEFAULT_LIMIT = 100;

export class SqliteAccessLogStore implements AccessLogStore {
  private readonly commit: BackgroundSyncCommit;
  private readonly insert: Statement;

  constructor(private readonly db: Database) {
    db.exec(`
      CREATE TABLE IF NOT EXISTS access_log (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        principal_id TEXT NOT NULL,
        principal_name TEXT NOT NULL,
        on_behalf_of TEXT,
        action TEXT NOT NULL,
        subject TEXT,
        detail TEXT,
        via TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS access_log_subject ON access_log (subject, id);
      CREATE INDEX IF NOT EXISTS access_log_principal ON access_log (principal_id, id);`);
    this.insert = db.prepare(`INSERT INTO access_log (${COLUMNS}) VALUES (?,?,?,?,?,?,?,?)`);
    this.commit = BackgroundSyncCommit.of(db);
  }

  /**
   * Durable when it resolves (on disk with the connection's `synchronous=FULL`); records of reads
   * made at the same time share one commit, and records committed while a flush to disk runs share
   * the next one, which runs off the event loop (BackgroundSyncCommit).
   */
  async append(entry: Omit<AccessEntry, 'id'>): Promise<void> {
    const row = values(entry);
    await this.commit.run(() => this.insert.run(row));
  }

  async query(query: AccessQuery): Promise<AccessEntry[]> {
    const { sql, params } = where(query, () => '?');
    const rows = this.db
      .prepare(`SELECT id, ${COLUMNS} FROM access_log ${sql} ORDER BY id LIMIT ?`)
      .all(...params, query.limit ?? DEFAULT_LIMIT) as Row[];
    return rows.map(fromRow);
  }
}

interface PendingEntry {
  entry: Omit<AccessEntry, 'id'>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** Most rows in one INSERT (8 parameters each, well under PostgreSQL's 65,535). */
const MAX_BATCH = 500;

export class PostgresAccessLogStore implements AccessLogStore {
  private pending: PendingEntry[] = [];

  private constructor(
    private readonly pool: Pool,
    private readonly table: string,
  ) {}

  static async open(pool: Pool, schema: string): Promise<PostgresAccessLogStore> {
    const table = `"${schema}".access_log`;
    await createPgTable(
      pool,
      schema,
      `${schema}.access_log`,
      `
        CREATE TABLE IF NOT EXISTS ${table} (
          id BIGSERIAL PRIMARY KEY,
          at TEXT NOT NULL,
          principal_id TEXT NOT NULL,
          principal_name TEXT NOT NULL,
          on_behalf_of TEXT,
          action TEXT NOT NULL,
          subject TEXT,
          detail TEXT,
          via TEXT NOT NULL
        )`,
    );
    return new PostgresAccessLogStore(pool, table);
  }

  /**
   * Durable when it resolves (one commit). Records asked for in the same turn of the event loop go
   * in one multi-row INSERT: if it fails, each of those reads fails, so none goes unrecorded.
   */
  append(entry: Omit<AccessEntry, 'id'>): Promise<void> {
    return new Promise((resolve, reject) => {
      this.pending.push({ entry, resolve, reject });
      if (this.pending.length === 1) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const all = this.pending;
    this.pending = [];
    for (let start = 0; start < all.length; start += MAX_BATCH) {
      const batch = all.slice(start, start + MAX_BATCH);
      const rows = batch.map(
        (_, i) => `(${Array.from({ length: 8 }, (_, c) => `$${i * 8 + c + 1}`).join(',')})`,
      );
      try {
        await this.pool.query(
          `INSERT INTO ${this.table} (${COLUMNS}) VALUES ${rows.join(',')}`,
          batch.flatMap((p) => values(p.entry)),
        );
        for (const p of batch) p.resolve();
      } catch (error) {
        for (const p of batch) p.reject(error);
      }
    }
  }

  async query(query: AccessQuery): Promise<AccessEntry[]> {
    const { sql, params } = where(query, (i) => `$${i}`);
    const { rows } = await this.pool.query<Row>(
      `SELECT id, ${COLUMNS} FROM ${this.table} ${sql} ORDER BY id LIMIT $${params.length + 1}`,
      [...params, query.limit ?? DEFAULT_LIMIT],
    );
    return rows.map(fromRow);
  }
}

/**
 * Reads of personal data and of audit views are themselves recorded; an admin queries them.
 * A read whose record cannot be written fails, so no read goes unrecorded.
 */
export class AccessLog {
  constructor(
    private readonly store: AccessLogStore,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  record(principal: Principal, entry: NewAccessEntry): Promise<void> {
    return this.store.append({
      ...entry,
      at: this.clock().toISOString(),
      principalId: principal.id,
      principalName: principal.name,
      onBehalfOf: entry.onBehalfOf ?? principal.onBehalfOf ?? null,
    });
  }

  query(query: AccessQuery): Promise<AccessEntry[]> {
    return this.store.query(query);
  }
}
