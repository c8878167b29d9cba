import type { Database, Statement } from 'better-sqlite3';
import type { Pool } from 'pg';
import { createPgTable } from './pg-table';
import type { Role } from './principal';
import type { ApiKeyRecord } from './api-key';

/** Where API keys live: a table of their own beside the events (SQLite file or PostgreSQL). */
export interface ApiKeyStore {
  insert(record: ApiKeyRecord): Promise<void>;
  find(id: string): Promise<ApiKeyRecord | undefined>;
  list(): Promise<ApiKeyRecord[]>;
  /** Marks the key revoked; false when there is no such key or it was already revoked. */
  revoke(id: string, at: string, by: string): Promise<boolean>;
  countActive(): Promise<number>;
}

interface KeyRow {
  id: string;
  name: string;
  role: string;
  scopes: string;
  secret_hash: string;
  created_at: string;
  created_by: string;
  revoked_at: string | null;
  revoked_by: string | null;
}

function fromRow(row: KeyRow): ApiKeyRecord {
  return {
    id: row.id,
    name: row.name,
    role: row.role as Role,
    scopes: JSON.parse(row.scopes) as string[],
    secretHash: row.secret_hash,
    createdAt: row.created_at,
    createdBy: row.created_by,
    revokedAt: row.revoked_at,
    revokedBy: row.revoked_by,
  };
}

function toRow(record: ApiKeyRecord): unknown[] {
  return [
    record.id,
    record.name,
    record.role,
    JSON.stringify(record.scopes),
    record.secretHash,
    record.createdAt,
    record.createdBy,
    record.revokedAt,
    record.revokedBy,
  ];
}

const COLUMNS =
  'id, name, role, scopes, secret_hash, created_at, created_by, revoked_at, revoked_by';

const TABLE_SQL = (table: string) => `
CREATE TABLE IF NOT EXISTS ${table} (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  scopes TEXT NOT NULL,
  secret_hash TEXT NOT NULL,
  created_at TEXT NOT NULL,
  created_by TEXT NOT NULL,
  revoked_at TEXT,
  revoked_by TEXT
)`;

/** The embedded deployment: the `api_keys` table in the store's SQLite file. */
export class SqliteApiKeyStore implements ApiKeyStore {
  /** Every authenticated request looks its key up: prepared once. */
  private readonly byId: Statement;

  constructor(private readonly db: Database) {
    db.exec(TABLE_SQL('api_keys'));
    this.byId = db.prepare(`SELECT ${COLUMNS} FROM api_keys WHERE id = ?`);
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    this.db
      .prepare(`INSERT INTO api_keys (${COLUMNS}) VALUES (?,?,?,?,?,?,?,?,?)`)
      .run(...toRow(record));
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const row = this.byId.get(id) as KeyRow | undefined;
    return row ? fromRow(row) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const rows = this.db
      .prepare(`SELECT ${COLUMNS} FROM api_keys ORDER BY created_at, id`)
      .all() as KeyRow[];
    return rows.map(fromRow);
  }

  async revoke(id: string, at: string, by: string): Promise<boolean> {
    const result = this.db
      .prepare(
        'UPDATE api_keys SET revoked_at = ?, revoked_by = ? WHERE id = ? AND revoked_at IS NULL',
      )
      .run(at, by, id);
    return result.changes === 1;
  }

  async countActive(): Promise<number> {
    const row = this.db
      .prepare('SELECT count(*) AS n FROM api_keys WHERE revoked_at IS NULL')
      .get() as { n: number };
    return row.n;
  }
}

/** Other deployments: `<schema>.api_keys` in PostgreSQL (also when events are in EventStoreDB). */
export class PostgresApiKeyStore implements ApiKeyStore {
  private readonly table: string;

  private constructor(
    private readonly pool: Pool,
    schema: string,
  ) {
    this.table = `"${schema}".api_keys`;
  }

  static async open(pool: Pool, schema: string): Promise<PostgresApiKeyStore> {
    const store = new PostgresApiKeyStore(pool, schema);
    await createPgTable(pool, schema, `${schema}.api_keys`, TABLE_SQL(store.table));
    return store;
  }

  async insert(record: ApiKeyRecord): Promise<void> {
    await this.pool.query(
      `INSERT INTO ${this.table} (${COLUMNS}) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9)`,
      toRow(record),
    );
  }

  async find(id: string): Promise<ApiKeyRecord | undefined> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} WHERE id = $1`,
      [id],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async list(): Promise<ApiKeyRecord[]> {
    const { rows } = await this.pool.query<KeyRow>(
      `SELECT ${COLUMNS} FROM ${this.table} ORDER BY created_at, id`,
    );
    return rows.map(fromRow);
  }

  async revoke(id: string, at: string, by: string): Promise<boolean> {
    const result = await this.pool.query(
      `UPDATE ${this.table} SET revoked_at = $1, revoked_by = $2 WHERE id = $3 AND revoked_at IS NULL`,
      [at, by, id],
    );
    return result.rowCount === 1;
  }

  async countActive(): Promise<number> {
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*) AS n FROM ${this.table} WHERE revoked_at IS NULL`,
    );
    return Number(rows[0].n);
  }
}
