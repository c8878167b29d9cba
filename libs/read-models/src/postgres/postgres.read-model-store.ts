/**
 * Read models in PostgreSQL (the distributed and PostgreSQL-only deployments).
 *
 * Same model as the SQLite store: one table per projection `rm_<name>` (key, state, position and
 * the projection's columns, those in its `indexes` indexed), `rm_projection_status` and
 * `rm_projection_lease`, all in one schema (default `aftercare_read`). What differs, and why:
 *
 * - State is `text`, not `jsonb`: the stored JSON stays byte-identical to what the projection (or a
 *   rebuild worker, through `StateWrite.encoded`) produced: key order, number spelling and
 *   duplicate-free text are kept, nothing is re-parsed on write, and reads are one `JSON.parse`
 *   (and the projection's stored-form decode, if it has one), as in SQLite. Ad-hoc SQL can still
 *   use `state::jsonb` (a stored form is a JSON array).
 * - `key` is `text COLLATE "C"`: keys sort byte-wise, as SQLite's BINARY collation, whatever the
 *   database locale, so `list` pages in the same order in both stores.
 * - Columns are typed by their JS values. A projection declares extractors, not types, so a
 *   column starts as the domain `rm_untyped` (text, every value NULL) and takes its type from the
 *   first non-NULL value written to it: `double precision` for numbers (a JS number is an IEEE
 *   double, so this is lossless for integers and fractions alike and orders numerically) and
 *   `text COLLATE "C"` for strings (ISO-8601 UTC timestamps then order chronologically, exactly as
 *   in SQLite). The switch is a DROP + ADD of the all-NULL column (metadata only) plus its index
 *   if it has one, in the writing transaction, once per column per table. A later value of the
 *   other type is a bug in the projection: it fails the batch with a `StateEncodingError`, so the
 *   runner stops the projection at that event instead of storing an unsortable mix. A rebuild
 *   table starts untyped again, so a new projection version may change a column's type.
 * - Positions, checkpoints and epochs are `bigint`, read as text and converted to BigInt (the
 *   driver's default parser would give strings or lose precision).
 * - Leases expire on the server clock (`now()`), so instances with skewed clocks agree.
 * - NULLs sort first ascending and last descending, as in SQLite; column indexes are built
 *   `(column NULLS FIRST, key)` so both directions scan them.
 *
 * `commitBatch` locks the status row and the lease row (`SELECT ... FOR UPDATE`), checks owner and
 * epoch, upserts the states and moves the checkpoint in one transaction.
 *
 * This file holds status, checkpoints and leases; `pg-rebuild.ts` rebuild and swap;
 * `pg-queries.ts` reads; `pg-columns.ts` tables, typed columns and upserts; `pg-session.ts` the pool.
 */
import { Pool } from 'pg';
import { StoreUnavailableError, type GlobalPosition } from '@aftercare/event-store';
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
import {
  assertTableNameFits,
  createIndexes,
  createTable,
  encode,
  lastWriteWins,
  type ReadModelColumnType,
  reconcileIndexes,
  upsert,
} from './pg-columns';
import { StoredForms } from '../state-encoding';
import { PgPointReads } from './pg-point-reads';
import { PgReadModelQueries } from './pg-queries';
import { PgRebuilds } from './pg-rebuild';
import {
  isConnectionError,
  iso,
  LOCK_CLASS,
  lockKey,
  MAX_IDENTIFIER,
  PgSession,
  UNTYPED,
} from './pg-session';

export type { ReadModelColumnType } from './pg-columns';

export interface PostgresReadModelStoreOptions {
  connectionString?: string;
  /** Schema holding the read models, created if missing. Default 'aftercare_read'. */
  schema?: string;
  /** A pool to share (e.g. the PostgreSQL event store's); it is not ended by `close()`. */
  pool?: Pool;
  /** Size of the pool created from `connectionString`. Default 10. */
  maxConnections?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]*$/;

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

export class PostgresReadModelStore implements ReadModelStore {
  readonly kind = 'postgres';
  private readonly session: PgSession;
  private readonly queries: PgReadModelQueries;
  private readonly forms = new StoredForms();
  private readonly points: PgPointReads;
  private readonly rebuilds: PgRebuilds;
  private readonly statusSelect: string;
  private closed = false;

  private constructor(
    readonly pool: Pool,
    readonly schema: string,
    private readonly ownsPool: boolean,
  ) {
    this.session = new PgSession(pool, schema);
    this.points = new PgPointReads(this.session);
    this.queries = new PgReadModelQueries(this.session, this.forms, this.points);
    this.rebuilds = new PgRebuilds(this.session);
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
            `COMMENT ON DOMAIN ${store.t(UNTYPED)} IS 'A read-model column whose type is not known yet: all its values are NULL'`,
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
    this.forms.note(projection);
    const columns = columnNames(projection);
    const indexed = indexedColumns(projection);
    const table = readModelTable(projection.name);
    await this.transaction(async (client) => {
      const stored = await client.query<{ version: number; epoch: string }>(
        `SELECT version, epoch::text AS epoch FROM ${this.t('rm_projection_status')} WHERE name = $1`,
        [projection.name],
      );
      if (stored.rowCount) {
        const { version, epoch } = stored.rows[0];
        // Another version is rebuilt into a new table, indexed at its swap.
        if (version !== projection.version) return;
        await reconcileIndexes(this.session, client, projection.name, table, indexed, +epoch);
        return;
      }
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
      await createTable(this.session, client, table, columns);
      await createIndexes(this.session, client, projection.name, table, indexed, 0);
    });
    return (await this.getStatus(projection.name))!;
  }

  /** A projection's status; asked for with other point reads, they share a round trip. */
  async getStatus(name: string): Promise<ProjectionStatusRecord | undefined> {
    const row = await this.points.read(
      `SELECT x.name AS key, NULL::text AS state, NULL::text AS position,
              row_to_json(x)::text AS status
       FROM (${this.statusSelect} WHERE s.name = $p) x`,
      name,
    );
    return row ? toStatus(JSON.parse(row.status!) as StatusRow) : undefined;
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
    for (const row of rows) found.set(row.key, this.forms.decode(name, row.key, row.state));
    return found;
  }

  async commitBatch(projection: AnyProjection, commit: BatchCommit): Promise<CommitOutcome> {
    // Encode before the transaction: a state that cannot be encoded fails the batch before
    // anything is written, and the locks are held for less time.
    this.forms.note(projection);
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
        await upsert(this.session, client, projection, readModelTable(name), rows, epoch);
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

  beginRebuild(projection: AnyProjection): Promise<void> {
    return this.rebuilds.begin(projection);
  }

  writeRebuildStates(projection: AnyProjection, states: readonly StateWrite[]): Promise<void> {
    return this.rebuilds.write(projection, states);
  }

  countRebuildRows(projection: AnyProjection): Promise<number> {
    return this.rebuilds.count(projection);
  }

  async swapRebuild(
    projection: AnyProjection,
    checkpoint: GlobalPosition | undefined,
    rebuildOwner: string,
  ): Promise<ProjectionStatusRecord> {
    this.forms.note(projection);
    await this.rebuilds.swap(projection, checkpoint, rebuildOwner);
    return (await this.getStatus(projection.name))!;
  }

  abandonRebuild(name: string): Promise<void> {
    return this.rebuilds.abandon(name);
  }

  get<State = unknown>(name: string, key: string): Promise<StoredState<State> | undefined> {
    return this.queries.get<State>(name, key);
  }

  list<State = unknown>(name: string, query: ListQuery = {}): Promise<ListPage<State>> {
    return this.queries.list<State>(name, query);
  }

  count(name: string, where?: ListQuery['where']): Promise<number> {
    return this.queries.count(name, where);
  }

  /** The stored type of each column of a projection's live table (diagnostics, tests). */
  columnTypes(name: string): Promise<Record<string, ReadModelColumnType>> {
    return this.queries.columnTypes(name);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.session.forget();
    if (this.ownsPool && !this.pool.ended) await this.pool.end();
  }

  private transaction: PgSession['transaction'] = (fn) => this.session.transaction(fn);

  private t(identifier: string): string {
    return this.session.t(identifier);
  }
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
