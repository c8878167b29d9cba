import type { PoolClient } from 'pg';
import type { AnyProjection } from '@aftercare/projections';
import {
  columnNames,
  indexedColumns,
  InvalidReadModelQueryError,
  rebuildTable,
  StateEncodingError,
  type StateWrite,
} from '../read-model-store';
import { type EncodedRow, encodeStates } from '../state-encoding';
import {
  indexName,
  LOCK_CLASS,
  lockKey,
  MAX_IDENTIFIER,
  type PgSession,
  primaryKeyName,
  q,
  UNTYPED,
} from './pg-session';

/** How a column is stored: decided by the first non-NULL value written to it. */
export type ReadModelColumnType = 'number' | 'text' | 'untyped';

/** A read-model table: key, state, position and the projection's columns, all untyped at first. */
export async function createTable(
  session: PgSession,
  client: PoolClient,
  table: string,
  columns: readonly string[],
): Promise<void> {
  const extra = columns.map((c) => `, ${q(c)} ${session.t(UNTYPED)}`).join('');
  await client.query(
    `CREATE TABLE IF NOT EXISTS ${session.t(table)} (
       key text COLLATE "C" NOT NULL,
       state text NOT NULL,
       position bigint NOT NULL${extra},
       CONSTRAINT ${q(primaryKeyName(table))} PRIMARY KEY (key)
     )`,
  );
}

/** Index names carry the epoch: a rebuilt table keeps its index names after the rename. */
export async function createIndexes(
  session: PgSession,
  client: PoolClient,
  name: string,
  table: string,
  columns: readonly string[],
  epoch: number,
): Promise<void> {
  for (const column of columns) {
    await client.query(
      `CREATE INDEX IF NOT EXISTS ${q(indexName(name, epoch, column))}
       ON ${session.t(table)} (${q(column)} NULLS FIRST, key)`,
    );
  }
}

/**
 * Gives a live table the column indexes its projection declares: one no longer declared is
 * dropped (it would cost every write), one declared and missing is built. Nothing is locked when
 * they already match; otherwise the table's advisory lock serializes two instances starting at
 * once. The primary key is not a column index and stays.
 */
export async function reconcileIndexes(
  session: PgSession,
  client: PoolClient,
  name: string,
  table: string,
  columns: readonly string[],
  epoch: number,
): Promise<void> {
  const wanted = new Map(columns.map((column) => [indexName(name, epoch, column), column]));
  const present = async () => {
    const { rows } = await client.query<{ name: string }>(
      `SELECT indexname AS name FROM pg_indexes
       WHERE schemaname = $1 AND tablename = $2 AND starts_with(indexname, 'rmix_')`,
      [session.schema, table],
    );
    return new Set(rows.map((row) => row.name));
  };
  const matches = (found: Set<string>) =>
    found.size === wanted.size && [...wanted.keys()].every((index) => found.has(index));
  if (matches(await present())) return;
  await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
    LOCK_CLASS,
    lockKey(`${session.schema}.${table}`),
  ]);
  const found = await present();
  for (const index of found) {
    if (!wanted.has(index)) await client.query(`DROP INDEX IF EXISTS ${session.t(index)}`);
  }
  const missing = [...wanted].filter(([index]) => !found.has(index)).map(([, column]) => column);
  await createIndexes(session, client, name, table, missing, epoch);
}

export async function readColumnTypes(
  session: PgSession,
  client: PoolClient,
  table: string,
): Promise<Map<string, ReadModelColumnType>> {
  const { rows } = await client.query<{ name: string; type: string }>(
    `SELECT a.attname AS name, t.typname AS type
     FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
     WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
       AND a.attname NOT IN ('key', 'state', 'position')`,
    [session.t(table)],
  );
  return new Map(
    rows.map((row) => [
      row.name,
      row.type === 'float8' ? 'number' : row.type === UNTYPED ? 'untyped' : 'text',
    ]),
  );
}

/** Upserts rows, giving untyped columns their type first; throws StateEncodingError on a mismatch. */
export async function upsert(
  session: PgSession,
  client: PoolClient,
  projection: AnyProjection,
  table: string,
  rows: EncodedRow[],
  indexEpoch: number | undefined,
): Promise<void> {
  const columns = columnNames(projection);
  const indexed = new Set(indexedColumns(projection));
  let types = await readColumnTypes(session, client, table);
  const wanted = wantedTypes(columns, rows, types);
  if (wanted.size) {
    // Serializes type decisions on this table, then decides on fresh catalog data.
    await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
      LOCK_CLASS,
      lockKey(`${session.schema}.${table}`),
    ]);
    types = await readColumnTypes(session, client, table);
    for (const [column, type] of wantedTypes(columns, rows, types)) {
      await client.query(`ALTER TABLE ${session.t(table)} DROP COLUMN ${q(column)}`);
      await client.query(
        `ALTER TABLE ${session.t(table)} ADD COLUMN ${q(column)} ${sqlType(type)}`,
      );
      if (indexEpoch !== undefined && indexed.has(column)) {
        await createIndexes(session, client, projection.name, table, [column], indexEpoch);
      }
      types.set(column, type);
    }
    session.forget(table);
  }
  const arrays: unknown[][] = [[], [], [], ...columns.map(() => [])];
  for (const row of rows) {
    arrays[0].push(row.key);
    arrays[1].push(row.state);
    arrays[2].push(row.position.toString());
    for (let i = 0; i < columns.length; i++) {
      const value = columnValue(row, i, columns[i], types.get(columns[i]) ?? 'untyped');
      arrays[3 + i].push(value);
    }
  }
  const names = ['key', 'state', 'position', ...columns].map(q);
  const casts = [
    'text[]',
    'text[]',
    'bigint[]',
    ...columns.map((c) => (types.get(c) === 'number' ? 'double precision[]' : 'text[]')),
  ];
  await client.query(
    `INSERT INTO ${session.t(table)} (${names.join(', ')})
     SELECT * FROM unnest(${casts.map((cast, i) => `$${i + 1}::${cast}`).join(', ')})
     ON CONFLICT (key) DO UPDATE SET ${names
       .slice(1)
       .map((n) => `${n} = excluded.${n}`)
       .join(', ')}`,
    arrays,
  );
}

/** Encodes states, refusing column values PostgreSQL could not type (before any write). */
export function encode(projection: AnyProjection, states: readonly StateWrite[]): EncodedRow[] {
  const rows = encodeStates(projection, states);
  for (const row of rows) {
    for (const value of row.columns) {
      if (value != null && typeof value !== 'string' && typeof value !== 'number') {
        throw new StateEncodingError(
          row.key,
          new Error(`column values must be strings, numbers or null, got ${typeof value}`),
        );
      }
    }
  }
  return rows;
}

/** One row per key, the last write winning, as consecutive INSERT OR REPLACE would do. */
export function lastWriteWins(rows: EncodedRow[]): EncodedRow[] {
  const byKey = new Map<string, EncodedRow>();
  for (const row of rows) {
    byKey.delete(row.key);
    byKey.set(row.key, row);
  }
  return byKey.size === rows.length ? rows : [...byKey.values()];
}

/** Untyped columns that receive a non-NULL value in these rows, with the type that value gives. */
function wantedTypes(
  columns: readonly string[],
  rows: readonly EncodedRow[],
  types: ReadonlyMap<string, ReadModelColumnType>,
): Map<string, ReadModelColumnType> {
  const wanted = new Map<string, ReadModelColumnType>();
  columns.forEach((column, i) => {
    if ((types.get(column) ?? 'untyped') !== 'untyped') return;
    for (const row of rows) {
      const value = row.columns[i];
      if (value === null || value === undefined || Number.isNaN(value)) continue;
      wanted.set(column, typeof value === 'number' ? 'number' : 'text');
      return;
    }
  });
  return wanted;
}

function columnValue(
  row: EncodedRow,
  index: number,
  column: string,
  type: ReadModelColumnType,
): string | number | null {
  const value = row.columns[index] ?? null;
  // SQLite stores NaN as NULL; so do we (PostgreSQL would store it and sort it above everything).
  if (value === null || Number.isNaN(value)) return null;
  const actual = typeof value === 'number' ? 'number' : 'text';
  if (type !== actual) {
    throw new StateEncodingError(
      row.key,
      new Error(
        type === 'untyped'
          ? `column '${column}' has no type yet`
          : `column '${column}' holds ${type === 'number' ? 'numbers' : 'strings'}, got ${JSON.stringify(value)}`,
      ),
    );
  }
  return value;
}

function sqlType(type: ReadModelColumnType): string {
  return type === 'number' ? 'double precision' : 'text COLLATE "C"';
}

/** PostgreSQL truncates identifiers past 63 bytes: refuse names whose tables would collide. */
export function assertTableNameFits(name: string): void {
  if (primaryKeyName(rebuildTable(name)).length > MAX_IDENTIFIER) {
    throw new InvalidReadModelQueryError(
      `Projection name '${name}' is too long for PostgreSQL (at most ${MAX_IDENTIFIER - 17} characters)`,
    );
  }
}
