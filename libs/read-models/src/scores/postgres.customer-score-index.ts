import type { Pool, PoolClient } from 'pg';
import {
  bandTotalRows,
  bandTotalsSql,
  clvValuesSql,
  type ScoreBandTotal,
  type CustomerScoreIndex,
  type CustomerScoreIndexMeta,
  type CustomerScorePage,
  type CustomerScoreQuery,
  type CustomerScoreRow,
  EMPTY_SCORE_META,
  SCORE_INDEXES,
  SCORE_META_TABLE,
  SCORE_PRODUCTS_TABLE,
  SCORE_VALUE_COLUMNS,
  scorePage,
  scorePageSql,
  scoreRowValues,
  SCORES_TABLE,
} from './customer-score-index';
import { InvalidReadModelQueryError, type ColumnValue } from '../read-model-store';

const NUMERIC = new Set(['churn_risk', 'clv', 'value_at_risk', 'revenue']);
const REQUIRED = new Set(['satisfaction', 'item', 'scored_at', 'revenue']);
/** Rows per INSERT statement. */
const ROWS_PER_STATEMENT = 200;

/**
 * The score index in the PostgreSQL read-model store's schema. Text columns are `COLLATE "C"` and
 * indexes `(column NULLS FIRST, key)`, so pages order as in SQLite and both directions scan them.
 */
export class PostgresCustomerScoreIndex implements CustomerScoreIndex {
  private complete = false;
  private ensured: Promise<void> | undefined;

  constructor(
    private readonly pool: Pool,
    private readonly schema: string,
  ) {}

  private t(table: string): string {
    return `"${this.schema}".${table}`;
  }

  ensure(): Promise<void> {
    this.ensured ??= this.create().catch((error: unknown) => {
      this.ensured = undefined;
      throw error;
    });
    return this.ensured;
  }

  private async create(): Promise<void> {
    const columns = SCORE_VALUE_COLUMNS.map(
      (c) =>
        `${c} ${NUMERIC.has(c) ? 'double precision' : 'text COLLATE "C"'}${REQUIRED.has(c) ? ' NOT NULL' : ''}`,
    );
    await this.transaction(async (client) => {
      // Serializes first starts of several instances (CREATE ... IF NOT EXISTS can race).
      await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [
        `${this.schema}.${SCORES_TABLE}`,
      ]);
      await client.query(`
        CREATE TABLE IF NOT EXISTS ${this.t(SCORES_TABLE)} (
          key text COLLATE "C" PRIMARY KEY, ${columns.join(', ')});
        CREATE TABLE IF NOT EXISTS ${this.t(SCORE_PRODUCTS_TABLE)} (
          product text COLLATE "C" NOT NULL, key text COLLATE "C" NOT NULL,
          PRIMARY KEY (product, key));
        CREATE INDEX IF NOT EXISTS ${SCORE_PRODUCTS_TABLE}_key ON ${this.t(SCORE_PRODUCTS_TABLE)} (key);
        CREATE TABLE IF NOT EXISTS ${this.t(SCORE_META_TABLE)} (
          id integer PRIMARY KEY CHECK (id = 1), meta text NOT NULL);`);
      // On a table with rows, CREATE INDEX would block the index's writes while it sorts them all.
      const { rows } = await client.query(`SELECT 1 FROM ${this.t(SCORES_TABLE)} LIMIT 1`);
      if (rows.length === 0) {
        await client.query(SCORE_INDEXES.map((cols) => this.indexSql(cols, '')).join('\n'));
      }
    });
  }

  /** Builds a missing (or half-built) sort index concurrently: writes and reads go on meanwhile. */
  async migrate(): Promise<boolean> {
    // Nothing takes indexes away: once complete, the indexer's every step need not look again.
    if (this.complete) return false;
    await this.ensure();
    const { rows } = await this.pool.query<{ name: string; valid: boolean }>(
      `SELECT c.relname AS name, i.indisvalid AS valid
         FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid
         JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND i.indrelid = $2::regclass`,
      [this.schema, this.t(SCORES_TABLE)],
    );
    const present = new Map(rows.map((r) => [r.name, r.valid]));
    const next = SCORE_INDEXES.find((cols) => present.get(indexName(cols)) !== true);
    if (!next) {
      this.complete = true;
      return false;
    }
    if (present.get(indexName(next)) === false) {
      // A concurrent build that was interrupted leaves an invalid index behind.
      await this.pool.query(
        `DROP INDEX CONCURRENTLY IF EXISTS "${this.schema}".${indexName(next)}`,
      );
    }
    await this.pool.query(this.indexSql(next, 'CONCURRENTLY'));
    return true;
  }

  private indexSql(cols: readonly string[], how: '' | 'CONCURRENTLY'): string {
    return `CREATE INDEX ${how} IF NOT EXISTS ${indexName(cols)} ON ${this.t(SCORES_TABLE)} (${cols.join(', ')} NULLS FIRST, key);`;
  }

  private async transaction(work: (client: PoolClient) => Promise<void>): Promise<void> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await work(client);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async meta(): Promise<CustomerScoreIndexMeta> {
    await this.ensure();
    const { rows } = await this.pool.query<{ meta: string }>(
      `SELECT meta FROM ${this.t(SCORE_META_TABLE)} WHERE id = 1`,
    );
    return rows[0] ? (JSON.parse(rows[0].meta) as CustomerScoreIndexMeta) : EMPTY_SCORE_META;
  }

  async write(rows: readonly CustomerScoreRow[], meta: CustomerScoreIndexMeta): Promise<void> {
    await this.ensure();
    await this.transaction(async (client) => {
      for (let i = 0; i < rows.length; i += ROWS_PER_STATEMENT) {
        const chunk = rows.slice(i, i + ROWS_PER_STATEMENT);
        const params: unknown[] = [];
        const width = SCORE_VALUE_COLUMNS.length + 1;
        const tuples = chunk.map((row) => {
          params.push(row.key, ...scoreRowValues(row));
          const base = params.length - width;
          return `(${Array.from({ length: width }, (_, j) => `$${base + j + 1}`).join(', ')})`;
        });
        await client.query(
          `INSERT INTO ${this.t(SCORES_TABLE)} (key, ${SCORE_VALUE_COLUMNS.join(', ')})
           VALUES ${tuples.join(', ')}
           ON CONFLICT (key) DO UPDATE SET ${SCORE_VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
          params,
        );
        const keys = chunk.map((row) => row.key);
        await client.query(`DELETE FROM ${this.t(SCORE_PRODUCTS_TABLE)} WHERE key = ANY($1)`, [
          keys,
        ]);
        const products = chunk.flatMap((row) =>
          [...new Set(row.products)].map((product) => [product, row.key]),
        );
        if (products.length > 0) {
          await client.query(
            `INSERT INTO ${this.t(SCORE_PRODUCTS_TABLE)} (product, key)
             SELECT * FROM unnest($1::text[], $2::text[]) ON CONFLICT DO NOTHING`,
            [products.map((p) => p[0]), products.map((p) => p[1])],
          );
        }
      }
      await client.query(
        `INSERT INTO ${this.t(SCORE_META_TABLE)} (id, meta) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE SET meta = excluded.meta`,
        [JSON.stringify(meta)],
      );
    });
  }

  async query(query: CustomerScoreQuery): Promise<CustomerScorePage> {
    await this.ensure();
    const params: unknown[] = [];
    const sql = scorePageSql(
      query,
      { scores: this.t(SCORES_TABLE), products: this.t(SCORE_PRODUCTS_TABLE) },
      (value) => `$${params.push(value)}`,
      (direction) => (direction === 'ASC' ? ' NULLS FIRST' : ' NULLS LAST'),
    );
    try {
      const { rows } = await this.pool.query<{
        key: string;
        item: string;
        sort_value: ColumnValue;
      }>(sql, params);
      return scorePage(rows, query);
    } catch (error) {
      // A cursor value that does not fit its column (text against a number) is the caller's.
      if ((error as { code?: string }).code === '22P02') {
        throw new InvalidReadModelQueryError((error as Error).message);
      }
      throw error;
    }
  }

  async count(): Promise<number> {
    await this.ensure();
    const { rows } = await this.pool.query<{ n: string }>(
      `SELECT count(*)::text AS n FROM ${this.t(SCORES_TABLE)}`,
    );
    return Number(rows[0].n);
  }

  async bandTotals(): Promise<ScoreBandTotal[]> {
    await this.ensure();
    const { rows } = await this.pool.query(bandTotalsSql(this.t(SCORES_TABLE)));
    return bandTotalRows(rows);
  }

  async clvValues(currency: string): Promise<number[]> {
    await this.ensure();
    const { rows } = await this.pool.query<{ clv: number | string }>(
      clvValuesSql(this.t(SCORES_TABLE), '$1'),
      [currency],
    );
    return rows.map((r) => Number(r.clv));
  }
}

function indexName(cols: readonly string[]): string {
  return `${SCORES_TABLE}_${cols.join('_')}`;
}
