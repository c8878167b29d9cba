import Database from 'better-sqlite3';
import { Pool } from 'pg';
import type { StoreConfig } from '@aftercare/event-store';

/**
 * Where customers' data keys live: a table of their own, never an event. A row holds the data key
 * wrapped by the master key, or, once the customer is erased, no key at all and the erasure time
 * (the tombstone tells readers that plaintext left in legacy events must not be shown either).
 */
export type DataKeyRecord =
  | { readonly kind: 'key'; readonly wrapped: Buffer }
  | { readonly kind: 'erased'; readonly erasedAt: string };

export interface DataKeyStore {
  get(customerId: string): Promise<DataKeyRecord | undefined>;
  /** Stores `wrapped` unless the customer already has a row; returns the row that won. */
  insertIfAbsent(customerId: string, wrapped: Buffer, at: string): Promise<DataKeyRecord>;
  /** Deletes the key and leaves the tombstone. Idempotent. */
  erase(customerId: string, at: string): Promise<void>;
  close(): Promise<void>;
}

type Row = { wrapped_key: Buffer | null; erased_at: string | null };

function toRecord(row: Row | undefined): DataKeyRecord | undefined {
  if (!row) return undefined;
  if (row.wrapped_key) return { kind: 'key', wrapped: Buffer.from(row.wrapped_key) };
  return { kind: 'erased', erasedAt: row.erased_at ?? '' };
}

/**
 * The embedded deployment: table `pii_data_keys` in the store's own file, on a connection of its
 * own with `secure_delete`, so an erased key's bytes are overwritten in the database file rather
 * than left on a free page.
 */
export class SqliteDataKeyStore implements DataKeyStore {
  private readonly db: Database.Database;
  private readonly select: Database.Statement<[string], Row>;
  private readonly insert: Database.Statement<[string, Buffer, string]>;
  private readonly tombstone: Database.Statement<[string, string, string]>;

  constructor(path: string) {
    this.db = new Database(path, { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.pragma('secure_delete = ON');
    this.db.exec(`CREATE TABLE IF NOT EXISTS pii_data_keys (
      customer_id TEXT PRIMARY KEY,
      wrapped_key BLOB,
      created_at TEXT NOT NULL,
      erased_at TEXT
    )`);
    this.select = this.db.prepare(
      'SELECT wrapped_key, erased_at FROM pii_data_keys WHERE customer_id = ?',
    );
    this.insert = this.db.prepare(
      'INSERT INTO pii_data_keys (customer_id, wrapped_key, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    );
    this.tombstone = this.db.prepare(
      `INSERT INTO pii_data_keys (customer_id, wrapped_key, created_at, erased_at) VALUES (?, NULL, ?, ?)
       ON CONFLICT (customer_id) DO UPDATE SET wrapped_key = NULL, erased_at = coalesce(erased_at, excluded.erased_at)`,
    );
  }

  async get(customerId: string): Promise<DataKeyRecord | undefined> {
    return toRecord(this.select.get(customerId));
  }

  async insertIfAbsent(customerId: string, wrapped: Buffer, at: string): Promise<DataKeyRecord> {
    this.insert.run(customerId, wrapped, at);
    return toRecord(this.select.get(customerId)) as DataKeyRecord;
  }

  async erase(customerId: string, at: string): Promise<void> {
    this.tombstone.run(customerId, at, at);
    // Copy the overwritten page into the database file and empty the WAL, so the old key does
    // not linger in the log either.
    this.db.pragma('wal_checkpoint(TRUNCATE)');
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}

/**
 * The PostgreSQL and EventStoreDB deployments: table `pii_data_keys` in the configured schema of
 * DATABASE_URL (with EventStoreDB the events hold only ciphertext and the keys stay here).
 */
export class PostgresDataKeyStore implements DataKeyStore {
  private ready: Promise<void> | undefined;
  /** Keys asked for since the last read, by customer. */
  private asked = new Map<
    string,
    { resolve: (record: DataKeyRecord | undefined) => void; reject: (error: unknown) => void }[]
  >();

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  static open(url: string, schema: string): PostgresDataKeyStore {
    return new PostgresDataKeyStore(new Pool({ connectionString: url, max: 4 }), schema);
  }

  private table(): string {
    return `${this.schema}.pii_data_keys`;
  }

  private init(): Promise<void> {
    this.ready ??= this.pool
      .query(
        `CREATE SCHEMA IF NOT EXISTS ${this.schema};
         CREATE TABLE IF NOT EXISTS ${this.table()} (
           customer_id text PRIMARY KEY,
           wrapped_key bytea,
           created_at timestamptz NOT NULL,
           erased_at timestamptz
         )`,
      )
      .then(() => undefined)
      .catch((error: unknown) => {
        this.ready = undefined;
        throw error;
      });
    return this.ready;
  }

  /**
   * Keys asked for in the same turn of the event loop (the customers of views served together)
   * are read in one query.
   */
  get(customerId: string): Promise<DataKeyRecord | undefined> {
    return new Promise((resolve, reject) => {
      const waiting = this.asked.get(customerId);
      if (waiting) waiting.push({ resolve, reject });
      else this.asked.set(customerId, [{ resolve, reject }]);
      if (this.asked.size === 1 && !waiting) setImmediate(() => void this.readAsked());
    });
  }

  private async readAsked(): Promise<void> {
    const asked = this.asked;
    this.asked = new Map();
    try {
      await this.init();
      const { rows } = await this.pool.query<Row & { customer_id: string }>(
        `SELECT customer_id, wrapped_key, erased_at::text AS erased_at FROM ${this.table()}
         WHERE customer_id = ANY($1::text[])`,
        [[...asked.keys()]],
      );
      const found = new Map(rows.map((row) => [row.customer_id, row]));
      for (const [customerId, waiting] of asked) {
        const record = toRecord(found.get(customerId));
        for (const w of waiting) w.resolve(record);
      }
    } catch (error) {
      for (const waiting of asked.values()) for (const w of waiting) w.reject(error);
    }
  }

  async insertIfAbsent(customerId: string, wrapped: Buffer, at: string): Promise<DataKeyRecord> {
    await this.init();
    await this.pool.query(
      `INSERT INTO ${this.table()} (customer_id, wrapped_key, created_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING`,
      [customerId, wrapped, at],
    );
    return (await this.get(customerId)) as DataKeyRecord;
  }

  async erase(customerId: string, at: string): Promise<void> {
    await this.init();
    await this.pool.query(
      `INSERT INTO ${this.table()} (customer_id, wrapped_key, created_at, erased_at)
       VALUES ($1, NULL, $2, $2)
       ON CONFLICT (customer_id) DO UPDATE SET wrapped_key = NULL,
         erased_at = coalesce(${this.table()}.erased_at, excluded.erased_at)`,
      [customerId, at],
    );
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** The key table beside the configured store: its SQLite file, else PostgreSQL. */
export function openDataKeyStore(config: StoreConfig): DataKeyStore {
  return config.kind === 'sqlite'
    ? new SqliteDataKeyStore(config.sqlitePath)
    : PostgresDataKeyStore.open(config.databaseUrl, config.postgresSchema);
}
