import type Database from 'better-sqlite3';
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
import type { ColumnValue } from '../read-model-store';

/** The score index in the SQLite read-model store's database. */
export class SqliteCustomerScoreIndex implements CustomerScoreIndex {
  private ensured = false;
  private readonly statements = new Map<string, Database.Statement>();

  constructor(private readonly db: Database.Database) {}

  async ensure(): Promise<void> {
    if (this.ensured) return;
    const columns = SCORE_VALUE_COLUMNS.map((c) => {
      const type = ['churn_risk', 'clv', 'value_at_risk', 'revenue'].includes(c) ? 'REAL' : 'TEXT';
      return `${c} ${type}${c === 'satisfaction' || c === 'item' || c === 'scored_at' || c === 'revenue' ? ' NOT NULL' : ''}`;
    });
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${SCORES_TABLE} (key TEXT PRIMARY KEY, ${columns.join(', ')});
      CREATE TABLE IF NOT EXISTS ${SCORE_PRODUCTS_TABLE} (
        product TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (product, key)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS ${SCORE_PRODUCTS_TABLE}_key ON ${SCORE_PRODUCTS_TABLE} (key);
      CREATE TABLE IF NOT EXISTS ${SCORE_META_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), meta TEXT NOT NULL);
      ${SCORE_INDEXES.map(
        (cols) =>
          `CREATE INDEX IF NOT EXISTS ${SCORES_TABLE}_${cols.join('_')} ON ${SCORES_TABLE} (${cols.join(', ')}, key);`,
      ).join('\n')}`);
    this.ensured = true;
  }

  async meta(): Promise<CustomerScoreIndexMeta> {
    await this.ensure();
    const row = this.stmt(`SELECT meta FROM ${SCORE_META_TABLE} WHERE id = 1`).get() as
      { meta: string } | undefined;
    return row ? (JSON.parse(row.meta) as CustomerScoreIndexMeta) : EMPTY_SCORE_META;
  }

  async write(rows: readonly CustomerScoreRow[], meta: CustomerScoreIndexMeta): Promise<void> {
    await this.ensure();
    const upsert = this.stmt(
      `INSERT INTO ${SCORES_TABLE} (key, ${SCORE_VALUE_COLUMNS.join(', ')})
       VALUES (?${', ?'.repeat(SCORE_VALUE_COLUMNS.length)})
       ON CONFLICT (key) DO UPDATE SET ${SCORE_VALUE_COLUMNS.map((c) => `${c} = excluded.${c}`).join(', ')}`,
    );
    const clearProducts = this.stmt(`DELETE FROM ${SCORE_PRODUCTS_TABLE} WHERE key = ?`);
    const addProduct = this.stmt(
      `INSERT OR IGNORE INTO ${SCORE_PRODUCTS_TABLE} (product, key) VALUES (?, ?)`,
    );
    const saveMeta = this.stmt(
      `INSERT INTO ${SCORE_META_TABLE} (id, meta) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET meta = excluded.meta`,
    );
    this.db
      .transaction(() => {
        for (const row of rows) {
          upsert.run(row.key, ...scoreRowValues(row));
          clearProducts.run(row.key);
          for (const product of row.products) addProduct.run(product, row.key);
        }
        saveMeta.run(JSON.stringify(meta));
      })
      .immediate();
  }

  async query(query: CustomerScoreQuery): Promise<CustomerScorePage> {
    await this.ensure();
    const params: unknown[] = [];
    const sql = scorePageSql(
      query,
      { scores: SCORES_TABLE, products: SCORE_PRODUCTS_TABLE },
      (value) => (params.push(value), '?'),
      () => '',
    );
    const rows = this.stmt(sql).all(...params) as {
      key: string;
      item: string;
      sort_value: ColumnValue;
    }[];
    return scorePage(rows, query);
  }

  async count(): Promise<number> {
    await this.ensure();
    return (this.stmt(`SELECT count(*) AS n FROM ${SCORES_TABLE}`).get() as { n: number }).n;
  }

  async bandTotals(): Promise<ScoreBandTotal[]> {
    await this.ensure();
    return bandTotalRows(this.stmt(bandTotalsSql(SCORES_TABLE)).all() as never[]);
  }

  async clvValues(currency: string): Promise<number[]> {
    await this.ensure();
    return this.stmt(clvValuesSql(SCORES_TABLE, '?')).pluck().all(currency) as number[];
  }

  private stmt(sql: string): Database.Statement {
    let statement = this.statements.get(sql);
    if (!statement) {
      statement = this.db.prepare(sql);
      this.statements.set(sql, statement);
    }
    return statement;
  }
}
