import type { Pool, PoolClient, QueryResultRow } from 'pg';
import { createHash } from 'node:crypto';
import {
  assertIdentifier,
  InvalidReadModelQueryError,
  readModelTable,
  UnknownReadModelError,
} from '../read-model-store';

/** First half of the advisory lock keys: arbitrary, names "Aftercare read models". */
export const LOCK_CLASS = 0x0af7ca2f;
export const MAX_IDENTIFIER = 63;
/** The domain of a column whose type is not known yet (all its values are NULL). */
export const UNTYPED = 'rm_untyped';
/** Errors PostgreSQL raises when a query value does not fit the column: a bad query, not an outage. */
const BAD_VALUE_CODES = new Set(['22P02', '22003', '22007', '22008', '42804', '22021']);

/**
 * The pool and schema of one PostgreSQL read-model store, with what every part of it needs:
 * qualified names, transactions, read queries that turn a bad value into a query error, and the
 * cached column lists of its tables.
 */
export class PgSession {
  private readonly tableColumns = new Map<string, Set<string>>();

  constructor(
    readonly pool: Pool,
    readonly schema: string,
  ) {}

  /** A schema-qualified, quoted identifier. */
  t(identifier: string): string {
    return `"${this.schema}".${q(identifier)}`;
  }

  /** A read query: a value that does not fit its column is the caller's mistake. */
  async query<Row extends QueryResultRow>(sql: string, params: unknown[]) {
    try {
      return await this.pool.query<Row>(sql, params);
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code && BAD_VALUE_CODES.has(code)) {
        throw new InvalidReadModelQueryError((error as Error).message);
      }
      throw error;
    }
  }

  async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      await client.query('BEGIN');
      const result = await fn(client);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch((rollbackError: Error) => {
        broken = rollbackError; // the connection is gone: do not hand it out again
      });
      throw error;
    } finally {
      client.release(broken);
    }
  }

  /** Forgets a table's cached columns (its shape changed). */
  forget(table?: string): void {
    if (table === undefined) this.tableColumns.clear();
    else this.tableColumns.delete(table);
  }

  async existingTable(name: string): Promise<string> {
    assertIdentifier(name, 'Projection name');
    const table = readModelTable(name);
    if (!(await this.columnsOf(table)).size) throw new UnknownReadModelError(name);
    return table;
  }

  async assertColumn(table: string, column: string): Promise<void> {
    if (column === 'state') throw new InvalidReadModelQueryError('state is not a queryable column');
    if ((await this.columnsOf(table)).has(column)) return;
    this.tableColumns.delete(table); // a rebuild in another process may have added it
    if (!(await this.columnsOf(table)).has(column)) {
      throw new InvalidReadModelQueryError(`Unknown column '${column}' in ${table}`);
    }
  }

  private async columnsOf(table: string): Promise<Set<string>> {
    let columns = this.tableColumns.get(table);
    if (!columns) {
      const { rows } = await this.pool.query<{ name: string }>(
        `SELECT attname AS name FROM pg_attribute
         WHERE attrelid = to_regclass($1) AND attnum > 0 AND NOT attisdropped`,
        [this.t(table)],
      );
      columns = new Set(rows.map((c) => c.name));
      if (columns.size) this.tableColumns.set(table, columns);
    }
    return columns;
  }
}

export function q(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

export function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

/** A 31-bit hash of a name, so stores in different schemas do not share advisory locks. */
export function lockKey(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash & 0x7fffffff;
}

export function primaryKeyName(table: string): string {
  return `${table}_pkey`;
}

export function indexName(name: string, epoch: number, column: string): string {
  const full = `rmix_${name}_e${epoch}_${column}`;
  if (full.length <= MAX_IDENTIFIER) return full;
  return `rmix_${createHash('sha1').update(full).digest('hex').slice(0, 40)}`;
}

export function isConnectionError(error: unknown): boolean {
  const code = (error as { code?: string }).code;
  return (
    code === 'ECONNREFUSED' ||
    code === 'ENOTFOUND' ||
    code === 'ETIMEDOUT' ||
    code === 'ECONNRESET' ||
    (typeof code === 'string' && code.startsWith('08')) ||
    /timeout|terminated/i.test((error as Error)?.message ?? '')
  );
}
