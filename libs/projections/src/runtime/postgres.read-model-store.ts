/**
 * Read models in PostgreSQL (the distributed and PostgreSQL-only deployments).
 *
 * Same model as the SQLite store: one table per projection `rm_<name>` (key, state, position and
 * the projection's indexed columns), `rm_projection_status` and `rm_projection_lease`, all in one
 * schema (default `aftercare_read`). What differs, and why:
 *
 * - State is `text`, not `jsonb`: the stored JSON stays byte-identical to what the projection (or a
 *   rebuild worker, through `StateWrite.encoded`) produced: key order, number spelling and
 *   duplicate-free text are kept, nothing is re-parsed on write, and reads are one `JSON.parse`, as
 *   in SQLite. Ad-hoc SQL can still use `state::jsonb`.
 * - `key` is `text COLLATE "C"`: keys sort byte-wise, as SQLite's BINARY collation, whatever the
 *   database locale, so `list` pages in the same order in both stores.
 * - Indexed columns are typed by their JS values. A projection declares extractors, not types, so a
 *   column starts as the domain `rm_untyped` (text, every value NULL) and takes its type from the
 *   first non-NULL value written to it: `double precision` for numbers (a JS number is an IEEE
 *   double, so this is lossless for integers and fractions alike and orders numerically) and
 *   `text COLLATE "C"` for strings (ISO-8601 UTC timestamps then order chronologically, exactly as
 *   in SQLite). The switch is a DROP + ADD of the all-NULL column (metadata only) plus its index,
 *   in the writing transaction, once per column per table. A later value of the other type is a
 *   bug in the projection: it fails the batch with a `StateEncodingError`, so the runner stops the
 *   projection at that event instead of storing an unsortable mix. A rebuild table starts untyped
 *   again, so a new projection version may change a column's type.
 * - Positions, checkpoints and epochs are `bigint`, read as text and converted to BigInt (the
 *   driver's default parser would give strings or lose precision).
 * - Leases expire on the server clock (`now()`), so instances with skewed clocks agree.
 * - NULLs sort first ascending and last descending, as in SQLite; column indexes are built
 *   `(column NULLS FIRST, key)` so both directions scan them.
 *
 * `commitBatch` locks the status row and the lease row (`SELECT ... FOR UPDATE`), checks owner and
 * epoch, upserts the states and moves the checkpoint in one transaction. A rebuild writes into
 * `rm_<name>__rebuild`; the swap drops the live table and renames the rebuilt one into place with
 * the status update in one transaction (PostgreSQL DDL is transactional: readers see the old table
 * or the new one, never neither).
 */
import { createHash } from 'node:crypto';
import { Pool, type PoolClient, type QueryResultRow } from 'pg';
import { StoreUnavailableError, type GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '../projection';
import {
  assertIdentifier,
  type BatchCommit,
  type ColumnValue,
  type CommitOutcome,
  decodeCursor,
  encodeCursor,
  InvalidReadModelQueryError,
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
  StateEncodingError,
  type StateWrite,
  type StoredState,
  UnknownReadModelError,
} from './read-model-store';
import { encodeStates } from './sqlite.read-model-store';

export interface PostgresReadModelStoreOptions {
  connectionString?: string;
  /** Schema holding the read models, created if missing. Default 'aftercare_read'. */
  schema?: string;
  /** A pool to share (e.g. the PostgreSQL event store's); it is not ended by `close()`. */
  pool?: Pool;
  /** Size of the pool created from `connectionString`. Default 10. */
  maxConnections?: number;
}

/** How an indexed column is stored: decided by the first non-NULL value written to it. */
export type ReadModelColumnType = 'number' | 'text' | 'untyped';

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;
/** First half of the advisory lock keys: arbitrary, names "Aftercare read models". */
const LOCK_CLASS = 0x0af7ca2f;
const MAX_IDENTIFIER = 63;
const UNTYPED = 'rm_untyped';
/** Errors PostgreSQL raises when a query value does not fit the column: a bad query, not an outage. */
const BAD_VALUE_CODES = new Set(['22P02', '22003', '22007', '22008', '42804', '22021']);

interface StatusRow {
  name: string;
  version: number;
  checkpoint: string | null;
  status: ProjectionRunState;
  error: string | null;
  failed_position: string | null;
  failed_event_id: string | null;
  updated_at: string;
  active_table: string;
  epoch: string;
  lease_owner: string | null;
  lease_expires_at: string | null;
  rebuilding: boolean;
}

interface EncodedRow {
  key: string;
  state: string;
  position: bigint;
  columns: ColumnValue[];
}

function iso(column: string): string {
  return `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;
}

export class PostgresReadModelStore implements ReadModelStore {
  readonly kind = 'postgres';
  private readonly tableColumns = new Map<string, Set<string>>();
  private readonly statusSelect: string;
  private closed = false;

  private constructor(
    readonly pool: Pool,
    readonly schema: string,
    private readonly ownsPool: boolean,
  ) {
    const status = this.t('rm_projection_status');
    const lease = this.t('rm_projection_lease');
    this.statusSelect = `
      SELECT s.name, s.version, s.checkpoint::text AS checkpoint, s.status, s.error,
             s.failed_position::text AS failed_position, s.failed_event_id,
             ${iso('s.updated_at')} AS updated_at, s.active_table, s.epoch::text AS epoch,
             l.owner AS lease_owner, ${iso('l.expires_at')} AS lease_expires_at,
             coalesce(r.expires_at > now(), false) AS rebuilding
      FROM ${status} s
      LEFT JOIN ${lease} l ON l.name = s.name
      LEFT JOIN ${lease} r ON r.name = s.name || '#rebuild'`;
  }

  /** Connects and creates the schema and the status and lease tables if missing. */
  static async connect(options: PostgresReadModelStoreOptions): Promise<PostgresReadModelStore> {
    const schema = options.schema ?? 'aftercare_read';
    if (!SCHEMA_NAME.test(schema) || schema.length > MAX_IDENTIFIER) {
      throw new Error(`PostgreSQL schema '${schema}' must be a lower-case SQL identifier`);
    }
    if (!options.pool && !options.connectionString) {
      throw new Error('PostgresReadModelStore needs a connectionString or a pool');
    }
    const pool =
      options.pool ??
      new Pool({ connectionString: options.connectionString, max: options.maxConnections ?? 10 });
    const ownsPool = !options.pool;
    // An idle client losing its connection must not crash the process; the next query reports it.
    if (ownsPool) pool.on('error', () => undefined);
    const store = new PostgresReadModelStore(pool, schema, ownsPool);
    try {
      await store.transaction(async (client) => {
        // Serializes concurrent first starts on one schema (CREATE ... IF NOT EXISTS can race).
        await client.query('SELECT pg_advisory_xact_lock($1, $2)', [LOCK_CLASS, lockKey(schema)]);
        await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
        const domain = await client.query(
          `SELECT 1 FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
           WHERE n.nspname = $1 AND t.typname = $2`,
          [schema, UNTYPED],
        );
        if (!domain.rowCount) {
          await client.query(`CREATE DOMAIN ${store.t(UNTYPED)} AS text`);
          await client.query(
            `COMMENT ON DOMAIN ${store.t(UNTYPED)} IS 'An indexed read-model column whose type is not known yet: all its values are NULL'`,
          );
        }
        await client.query(`
          CREATE TABLE IF NOT EXISTS ${store.t('rm_projection_status')} (
            name text PRIMARY KEY,
            version integer NOT NULL,
            checkpoint bigint,
            status text NOT NULL,
            error text,
            failed_position bigint,
            failed_event_id text,
            updated_at timestamptz NOT NULL,
            active_table text NOT NULL,
            epoch bigint NOT NULL DEFAULT 0
          );
          CREATE TABLE IF NOT EXISTS ${store.t('rm_projection_lease')} (
            name text PRIMARY KEY,
            owner text NOT NULL,
            expires_at timestamptz NOT NULL
          );`);
      });
    } catch (error) {
      if (ownsPool) await pool.end().catch(() => undefined);
      if (isConnectionError(error)) {
        throw new StoreUnavailableError(
          `Cannot connect to PostgreSQL: ${(error as Error).message}`,
          error,
        );
      }
      throw error;
    }
    return store;
  }

  async register(projection: AnyProjection): Promise<ProjectionStatusRecord> {
    assertIdentifier(projection.name, 'Projection name');
    assertTableNameFits(projection.name);
    const columns = columnNames(projection);
    const table = readModelTable(projection.name);
    await this.transaction(async (client) => {
      const exists = await client.query(
        `SELECT 1 FROM ${this.t('rm_projection_status')} WHERE name = $1`,
        [projection.name],
      );
      if (exists.rowCount) return;
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
        LOCK_CLASS,
        lockKey(`${this.schema}.${table}`),
      ]);
      const inserted = await client.query(
        `INSERT INTO ${this.t('rm_projection_status')}
           (name, version, checkpoint, status, updated_at, active_table, epoch)
         VALUES ($1, $2, NULL, 'stopped', now(), $3, 0)
         ON CONFLICT (name) DO NOTHING`,
        [projection.name, projection.version, table],
      );
      if (!inserted.rowCount) return; // another instance registered it meanwhile
      await this.createTable(client, table, columns);
      await this.createIndexes(client, projection.name, table, columns, 0);
    });
    return (await this.getStatus(projection.name))!;
  }

  async getStatus(name: string): Promise<ProjectionStatusRecord | undefined> {
    const { rows } = await this.pool.query<StatusRow>(`${this.statusSelect} WHERE s.name = $1`, [
      name,
    ]);
    return rows[0] ? toStatus(rows[0]) : undefined;
  }

  async listStatuses(): Promise<ProjectionStatusRecord[]> {
    const { rows } = await this.pool.query<StatusRow>(
      `${this.statusSelect} ORDER BY s.name COLLATE "C"`,
    );
    return rows.map(toStatus);
  }

  async acquireLease(name: string, owner: string, ttlMs: number): Promise<boolean> {
    const lease = this.t('rm_projection_lease');
    const { rowCount } = await this.pool.query(
      `INSERT INTO ${lease} AS l (name, owner, expires_at)
       VALUES ($1, $2, now() + $3::double precision * interval '1 millisecond')
       ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
       WHERE l.owner = excluded.owner OR l.expires_at <= now()`,
      [name, owner, ttlMs],
    );
    return rowCount === 1;
  }

  async renewLease(name: string, owner: string, ttlMs: number): Promise<LeaseRenewal> {
    const { rows } = await this.pool.query<{ held: boolean; epoch: string | null }>(
      `WITH renewed AS (
         UPDATE ${this.t('rm_projection_lease')}
         SET expires_at = now() + $3::double precision * interval '1 millisecond'
         WHERE name = $1 AND owner = $2
         RETURNING 1
       )
       SELECT EXISTS (SELECT 1 FROM renewed) AS held,
              (SELECT epoch::text FROM ${this.t('rm_projection_status')} WHERE name = $1) AS epoch`,
      [name, owner, ttlMs],
    );
    return { held: rows[0].held, epoch: Number(rows[0].epoch ?? 0) };
  }

  async releaseLease(name: string, owner: string): Promise<void> {
    await this.pool.query(
      `DELETE FROM ${this.t('rm_projection_lease')} WHERE name = $1 AND owner = $2`,
      [name, owner],
    );
  }

  async loadStates(name: string, keys: readonly string[]): Promise<Map<string, unknown>> {
    const found = new Map<string, unknown>();
    if (!keys.length) return found;
    assertIdentifier(name, 'Projection name');
    const { rows } = await this.pool.query<{ key: string; state: string }>(
      `SELECT key, state FROM ${this.t(readModelTable(name))} WHERE key = ANY($1::text[])`,
      [keys],
    );
    for (const row of rows) found.set(row.key, JSON.parse(row.state));
    return found;
  }

  async commitBatch(projection: AnyProjection, commit: BatchCommit): Promise<CommitOutcome> {
    // Encode before the transaction: a state that cannot be encoded fails the batch before
    // anything is written, and the locks are held for less time.
    const rows = lastWriteWins(encode(projection, commit.states));
    const name = projection.name;
    return this.transaction(async (client): Promise<CommitOutcome> => {
      // Lock order everywhere: status row, then lease row, then tables.
      const status = await client.query<{ epoch: string }>(
        `SELECT epoch::text AS epoch FROM ${this.t('rm_projection_status')} WHERE name = $1 FOR UPDATE`,
        [name],
      );
      const lease = await client.query<{ owner: string }>(
        `SELECT owner FROM ${this.t('rm_projection_lease')} WHERE name = $1 FOR UPDATE`,
        [name],
      );
      if (lease.rows[0]?.owner !== commit.owner) return 'lease_lost';
      const epoch = Number(status.rows[0]?.epoch ?? 0);
      if (epoch !== commit.epoch) return 'epoch_changed';
      if (rows.length) {
        await this.upsert(client, projection, readModelTable(name), rows, epoch);
      }
      const failure = commit.failure;
      await client.query(
        `UPDATE ${this.t('rm_projection_status')}
         SET checkpoint = coalesce($1::bigint, checkpoint), updated_at = now(),
             status = CASE WHEN $2::text IS NULL THEN status ELSE 'failed' END,
             error = coalesce($2::text, error),
             failed_position = coalesce($3::bigint, failed_position),
             failed_event_id = coalesce($4::text, failed_event_id)
         WHERE name = $5`,
        [
          commit.checkpoint?.toString() ?? null,
          failure?.error ?? null,
          failure?.position.toString() ?? null,
          failure?.eventId ?? null,
          name,
        ],
      );
      if (failure) {
        await client.query(`DELETE FROM ${this.t('rm_projection_lease')} WHERE name = $1`, [name]);
      } else {
        await client.query(
          `UPDATE ${this.t('rm_projection_lease')}
           SET expires_at = now() + $2::double precision * interval '1 millisecond'
           WHERE name = $1`,
          [name, commit.leaseTtlMs],
        );
      }
      return 'committed';
    });
  }

  async setRunState(
    name: string,
    state: ProjectionRunState,
    options: { clearFailure?: boolean } = {},
  ): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.t('rm_projection_status')} SET status = $1, updated_at = now(),
         error = CASE WHEN $2 THEN NULL ELSE error END,
         failed_position = CASE WHEN $2 THEN NULL ELSE failed_position END,
         failed_event_id = CASE WHEN $2 THEN NULL ELSE failed_event_id END
       WHERE name = $3`,
      [state, options.clearFailure === true, name],
    );
  }

  async recordFailure(name: string, failure: ProjectionFailure): Promise<void> {
    await this.pool.query(
      `UPDATE ${this.t('rm_projection_status')} SET status = 'failed', updated_at = now(),
         error = $1, failed_position = $2, failed_event_id = $3
       WHERE name = $4`,
      [failure.error, failure.position.toString(), failure.eventId, name],
    );
  }

  async beginRebuild(projection: AnyProjection): Promise<void> {
    assertIdentifier(projection.name, 'Projection name');
    assertTableNameFits(projection.name);
    const table = rebuildTable(projection.name);
    await this.transaction(async (client) => {
      await client.query(`DROP TABLE IF EXISTS ${this.t(table)}`);
      // Indexes come at the swap: building them once over the full table is faster.
      await this.createTable(client, table, columnNames(projection));
    });
  }

  async writeRebuildStates(
    projection: AnyProjection,
    states: readonly StateWrite[],
  ): Promise<void> {
    const rows = lastWriteWins(encode(projection, states));
    if (!rows.length) return;
    await this.transaction((client) =>
      this.upsert(client, projection, rebuildTable(projection.name), rows, undefined),
    );
  }

  async swapRebuild(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
    rebuildOwner: string,
  ): Promise<ProjectionStatusRecord> {
    const name = projection.name;
    const live = readModelTable(name);
    const rebuilt = rebuildTable(name);
    const nextEpoch = (await this.epochOf(name)) + 1;
    // Outside the swap transaction: the live table keeps serving while the indexes build.
    await this.transaction((client) =>
      this.createIndexes(client, name, rebuilt, columnNames(projection), nextEpoch),
    );
    await this.transaction(async (client) => {
      const status = await client.query<{ epoch: string }>(
        `SELECT epoch::text AS epoch FROM ${this.t('rm_projection_status')} WHERE name = $1 FOR UPDATE`,
        [name],
      );
      const lease = await client.query<{ owner: string }>(
        `SELECT owner FROM ${this.t('rm_projection_lease')} WHERE name = $1 FOR UPDATE`,
        [rebuildLeaseName(name)],
      );
      if (lease.rows[0]?.owner !== rebuildOwner) {
        throw new Error(`The rebuild of '${name}' lost its lease; the old table keeps serving`);
      }
      if (Number(status.rows[0]?.epoch ?? 0) + 1 !== nextEpoch) {
        throw new Error(`'${name}' was swapped by another rebuild meanwhile`);
      }
      // Dropping (not renaming aside) frees the name of the old primary key index too; PostgreSQL
      // removes the files only at commit, so this is as cheap as a rename.
      await client.query(`DROP TABLE IF EXISTS ${this.t(live)}`);
      await client.query(`ALTER TABLE ${this.t(rebuilt)} RENAME TO ${q(live)}`);
      await client.query(
        `ALTER INDEX ${this.t(primaryKeyName(rebuilt))} RENAME TO ${q(primaryKeyName(live))}`,
      );
      await client.query(
        `UPDATE ${this.t('rm_projection_status')}
         SET version = $1, checkpoint = $2, epoch = $3, updated_at = now(), active_table = $4,
             status = CASE WHEN status = 'failed' THEN 'stopped' ELSE status END,
             error = NULL, failed_position = NULL, failed_event_id = NULL
         WHERE name = $5`,
        [projection.version, checkpoint?.toString() ?? null, nextEpoch, live, name],
      );
    });
    this.tableColumns.delete(live);
    return (await this.getStatus(name))!;
  }

  async abandonRebuild(name: string): Promise<void> {
    assertIdentifier(name, 'Projection name');
    await this.pool.query(`DROP TABLE IF EXISTS ${this.t(rebuildTable(name))}`);
  }

  async get<State = unknown>(name: string, key: string): Promise<StoredState<State> | undefined> {
    const table = await this.existingTable(name);
    const { rows } = await this.query<{ key: string; state: string; position: string }>(
      `SELECT key, state, position::text AS position FROM ${this.t(table)} WHERE key = $1`,
      [key],
    );
    return rows[0] ? toStored<State>(rows[0]) : undefined;
  }

  async list<State = unknown>(name: string, query: ListQuery = {}): Promise<ListPage<State>> {
    const table = await this.existingTable(name);
    const orderBy = query.orderBy ?? 'key';
    await this.assertColumn(table, orderBy);
    const direction = query.direction === 'desc' ? 'DESC' : 'ASC';
    const limit = query.limit ?? 100;
    if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) {
      throw new InvalidReadModelQueryError('limit must be an integer from 1 to 10000');
    }
    const params: unknown[] = [];
    const whereSql = await this.whereClause(table, query.where, params);
    const clauses = whereSql ? [whereSql] : [];
    if (query.after) {
      const [value, key] = decodeCursor(query.after);
      const cmp = direction === 'ASC' ? '>' : '<';
      if (orderBy === 'key') {
        params.push(key);
        clauses.push(`key ${cmp} $${params.length}`);
      } else {
        params.push(value, key);
        clauses.push(`(${q(orderBy)}, key) ${cmp} ($${params.length - 1}, $${params.length})`);
      }
    }
    const where = clauses.length ? `WHERE ${clauses.join(' AND ')}` : '';
    // SQLite puts NULLs first ascending and last descending: so do we.
    const nulls = direction === 'ASC' ? 'NULLS FIRST' : 'NULLS LAST';
    // Qualified: a bare name in ORDER BY would mean the output column (`position` is text there).
    const order =
      orderBy === 'key'
        ? `r.key ${direction}`
        : `r.${q(orderBy)} ${direction} ${nulls}, r.key ${direction}`;
    const offset = query.after ? 0 : (query.offset ?? 0);
    if (!Number.isInteger(offset) || offset < 0) {
      throw new InvalidReadModelQueryError('offset must be a non-negative integer');
    }
    // bigint as text: the cursor carries it exactly, and it goes back in as a parameter.
    const sortValue =
      orderBy === 'key' ? 'key' : `${q(orderBy)}${orderBy === 'position' ? '::text' : ''}`;
    params.push(limit, offset);
    const { rows } = await this.query<{
      key: string;
      state: string;
      position: string;
      sort_value: ColumnValue;
    }>(
      `SELECT key, state, position::text AS position, ${sortValue} AS sort_value
       FROM ${this.t(table)} AS r ${where} ORDER BY ${order}
       LIMIT $${params.length - 1} OFFSET $${params.length}`,
      params,
    );
    const last = rows[rows.length - 1];
    return {
      items: rows.map((row) => toStored<State>(row)),
      nextCursor:
        rows.length === limit && last ? encodeCursor(last.sort_value, last.key) : undefined,
    };
  }

  async count(name: string, where?: ListQuery['where']): Promise<number> {
    const table = await this.existingTable(name);
    const params: unknown[] = [];
    const sql = await this.whereClause(table, where, params);
    const { rows } = await this.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.t(table)} ${sql ? `WHERE ${sql}` : ''}`,
      params,
    );
    return Number(rows[0].n);
  }

  /** The stored type of each indexed column of a projection's live table (diagnostics, tests). */
  async columnTypes(name: string): Promise<Record<string, ReadModelColumnType>> {
    assertIdentifier(name, 'Projection name');
    const client = await this.pool.connect();
    try {
      return Object.fromEntries(await this.readColumnTypes(client, readModelTable(name)));
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.tableColumns.clear();
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }

  /** Upserts rows, giving untyped columns their type first; throws StateEncodingError on a mismatch. */
  private async upsert(
    client: PoolClient,
    projection: AnyProjection,
    table: string,
    rows: EncodedRow[],
    indexEpoch: number | undefined,
  ): Promise<void> {
    const columns = columnNames(projection);
    let types = await this.readColumnTypes(client, table);
    const wanted = wantedTypes(columns, rows, types);
    if (wanted.size) {
      // Serializes type decisions on this table, then decides on fresh catalog data.
      await client.query('SELECT pg_advisory_xact_lock($1, $2)', [
        LOCK_CLASS,
        lockKey(`${this.schema}.${table}`),
      ]);
      types = await this.readColumnTypes(client, table);
      for (const [column, type] of wantedTypes(columns, rows, types)) {
        await client.query(`ALTER TABLE ${this.t(table)} DROP COLUMN ${q(column)}`);
        await client.query(`ALTER TABLE ${this.t(table)} ADD COLUMN ${q(column)} ${sqlType(type)}`);
        if (indexEpoch !== undefined) {
          await this.createIndexes(client, projection.name, table, [column], indexEpoch);
        }
        types.set(column, type);
      }
      this.tableColumns.delete(table);
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
      `INSERT INTO ${this.t(table)} (${names.join(', ')})
       SELECT * FROM unnest(${casts.map((cast, i) => `$${i + 1}::${cast}`).join(', ')})
       ON CONFLICT (key) DO UPDATE SET ${names
         .slice(1)
         .map((n) => `${n} = excluded.${n}`)
         .join(', ')}`,
      arrays,
    );
  }

  private async readColumnTypes(
    client: PoolClient,
    table: string,
  ): Promise<Map<string, ReadModelColumnType>> {
    const { rows } = await client.query<{ name: string; type: string }>(
      `SELECT a.attname AS name, t.typname AS type
       FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid
       WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped
         AND a.attname NOT IN ('key', 'state', 'position')`,
      [this.t(table)],
    );
    return new Map(
      rows.map((row) => [
        row.name,
        row.type === 'float8' ? 'number' : row.type === UNTYPED ? 'untyped' : 'text',
      ]),
    );
  }

  private async epochOf(name: string): Promise<number> {
    const { rows } = await this.pool.query<{ epoch: string }>(
      `SELECT epoch::text AS epoch FROM ${this.t('rm_projection_status')} WHERE name = $1`,
      [name],
    );
    return Number(rows[0]?.epoch ?? 0);
  }

  private async createTable(
    client: PoolClient,
    table: string,
    columns: readonly string[],
  ): Promise<void> {
    const extra = columns.map((c) => `, ${q(c)} ${this.t(UNTYPED)}`).join('');
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${this.t(table)} (
         key text COLLATE "C" NOT NULL,
         state text NOT NULL,
         position bigint NOT NULL${extra},
         CONSTRAINT ${q(primaryKeyName(table))} PRIMARY KEY (key)
       )`,
    );
  }

  /** Index names carry the epoch: a rebuilt table keeps its index names after the rename. */
  private async createIndexes(
    client: PoolClient,
    name: string,
    table: string,
    columns: readonly string[],
    epoch: number,
  ): Promise<void> {
    for (const column of columns) {
      await client.query(
        `CREATE INDEX IF NOT EXISTS ${q(indexName(name, epoch, column))}
         ON ${this.t(table)} (${q(column)} NULLS FIRST, key)`,
      );
    }
  }

  private async existingTable(name: string): Promise<string> {
    assertIdentifier(name, 'Projection name');
    const table = readModelTable(name);
    if (!(await this.columnsOf(table)).size) throw new UnknownReadModelError(name);
    return table;
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

  private async assertColumn(table: string, column: string): Promise<void> {
    if (column === 'state') throw new InvalidReadModelQueryError('state is not a queryable column');
    if ((await this.columnsOf(table)).has(column)) return;
    this.tableColumns.delete(table); // a rebuild in another process may have added it
    if (!(await this.columnsOf(table)).has(column)) {
      throw new InvalidReadModelQueryError(`Unknown column '${column}' in ${table}`);
    }
  }

  private async whereClause(
    table: string,
    where: ListQuery['where'],
    params: unknown[],
  ): Promise<string> {
    const parts: string[] = [];
    for (const condition of normalizeWhere(where)) {
      await this.assertColumn(table, condition.column);
      if (!['=', '!=', '<', '<=', '>', '>='].includes(condition.op)) {
        throw new InvalidReadModelQueryError(`Unknown operator '${String(condition.op)}'`);
      }
      if (condition.value === null) {
        if (condition.op === '=') parts.push(`${q(condition.column)} IS NULL`);
        else if (condition.op === '!=') parts.push(`${q(condition.column)} IS NOT NULL`);
        else throw new InvalidReadModelQueryError(`Cannot compare ${condition.column} with null`);
        continue;
      }
      params.push(condition.value);
      parts.push(`${q(condition.column)} ${condition.op} $${params.length}`);
    }
    return parts.join(' AND ');
  }

  /** A read query: a value that does not fit its column is the caller's mistake. */
  private async query<Row extends QueryResultRow>(sql: string, params: unknown[]) {
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

  private async transaction<T>(fn: (client: PoolClient) => Promise<T>): Promise<T> {
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

  /** A schema-qualified, quoted identifier. */
  private t(identifier: string): string {
    return `"${this.schema}".${q(identifier)}`;
  }
}

function encode(projection: AnyProjection, states: readonly StateWrite[]): EncodedRow[] {
  const rows = encodeStates(projection, states);
  for (const row of rows) {
    for (const value of row.columns) {
      if (value != null && typeof value !== 'string' && typeof value !== 'number') {
        throw new StateEncodingError(
          row.key,
          new Error(`indexed column values must be strings, numbers or null, got ${typeof value}`),
        );
      }
    }
  }
  return rows;
}

/** One row per key, the last write winning, as consecutive INSERT OR REPLACE would do. */
function lastWriteWins(rows: EncodedRow[]): EncodedRow[] {
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

/** PostgreSQL truncates identifiers past 63 bytes: refuse names whose tables would collide. */
function assertTableNameFits(name: string): void {
  if (primaryKeyName(rebuildTable(name)).length > MAX_IDENTIFIER) {
    throw new InvalidReadModelQueryError(
      `Projection name '${name}' is too long for PostgreSQL (at most ${MAX_IDENTIFIER - 17} characters)`,
    );
  }
}

function primaryKeyName(table: string): string {
  return `${table}_pkey`;
}

function indexName(name: string, epoch: number, column: string): string {
  const full = `rmix_${name}_e${epoch}_${column}`;
  if (full.length <= MAX_IDENTIFIER) return full;
  return `rmix_${createHash('sha1').update(full).digest('hex').slice(0, 40)}`;
}

/** A 31-bit hash of a name, so stores in different schemas do not share advisory locks. */
function lockKey(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash & 0x7fffffff;
}

function toStatus(row: StatusRow): ProjectionStatusRecord {
  return {
    name: row.name,
    version: Number(row.version),
    checkpoint: row.checkpoint !== null ? BigInt(row.checkpoint) : undefined,
    status: row.rebuilding ? 'rebuilding' : row.status,
    failure:
      row.error !== null
        ? {
            error: row.error,
            position: BigInt(row.failed_position ?? 0),
            eventId: row.failed_event_id ?? '',
          }
        : undefined,
    updatedAt: row.updated_at,
    activeTable: row.active_table,
    epoch: Number(row.epoch),
    leaseOwner: row.lease_owner ?? undefined,
    leaseExpiresAt: row.lease_expires_at ?? undefined,
  };
}

function toStored<State>(row: {
  key: string;
  state: string;
  position: string;
}): StoredState<State> {
  return { key: row.key, state: JSON.parse(row.state) as State, position: BigInt(row.position) };
}

function q(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

function isConnectionError(error: unknown): boolean {
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
