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

/** The table a migration fills with the rows and every index, then puts in the live one's place. */
const SHADOW_TABLE = `${SCORES_TABLE}_next`;
/** The table it replaced, emptied a slice at a time, then dropped. */
const RETIRED_TABLE = `${SCORES_TABLE}_old`;

const ALL_COLUMNS = ['key', ...SCORE_VALUE_COLUMNS].join(', ');

/** How long one migration step may hold the connection (and so the event loop). */
const MIGRATION_STEP_MS = 10;
/** Sets of changed columns an UPDATE is prepared for, at most (a few in practice). */
const MAX_UPDATE_SHAPES = 64;

/**
 * The score index in the SQLite read-model store's database.
 *
 * Creating an index on a table that has rows is one synchronous statement that holds the event
 * loop for as long as it runs (the sort indexes took 21 s on 72,000 customers under load). So
 * `ensure` creates indexes only on an empty table; when the table has rows and lacks some,
 * `migrate` (called by the indexer, the only writer) builds them in steps of a few milliseconds:
 * it copies the rows into a new table that has every index, puts that table in the live one's
 * place in one short transaction, and empties and drops the old one a step at a time. Reads go
 * on from the live table throughout, only without the missing indexes until the swap.
 */
export class SqliteCustomerScoreIndex implements CustomerScoreIndex {
  private ensured = false;
  private readonly statements = new Map<string, Database.Statement>();
  /** UPDATEs of some columns, by the columns' positions (see `updateOf`). */
  private readonly updates = new Map<string, Database.Statement>();
  /** Rows per migration step, adapted to take about MIGRATION_STEP_MS unless set. */
  private stepRows: number;
  private readonly adaptive: boolean;
  /** Every sort index is there and nothing of a migration is left. */
  private complete = false;

  constructor(
    private readonly db: Database.Database,
    options: { migrationStepRows?: number } = {},
  ) {
    this.stepRows = options.migrationStepRows ?? 200;
    this.adaptive = options.migrationStepRows === undefined;
  }

  async ensure(): Promise<void> {
    if (this.ensured) return;
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS ${SCORES_TABLE} (${scoreColumnsSql()});
      CREATE TABLE IF NOT EXISTS ${SCORE_PRODUCTS_TABLE} (
        product TEXT NOT NULL, key TEXT NOT NULL, PRIMARY KEY (product, key)) WITHOUT ROWID;
      CREATE INDEX IF NOT EXISTS ${SCORE_PRODUCTS_TABLE}_key ON ${SCORE_PRODUCTS_TABLE} (key);
      CREATE TABLE IF NOT EXISTS ${SCORE_META_TABLE} (id INTEGER PRIMARY KEY CHECK (id = 1), meta TEXT NOT NULL);`);
    if (!this.hasRows(SCORES_TABLE)) {
      const missing = this.missingIndexes(SCORES_TABLE);
      if (missing.length) this.db.exec(indexesSql(SCORES_TABLE, missing, SCORES_TABLE));
    }
    this.ensured = true;
  }

  async migrate(): Promise<boolean> {
    await this.ensure();
    // Nothing takes indexes away: once complete, the indexer's every step need not look again.
    if (this.complete) return false;
    const started = performance.now();
    if (this.tableExists(RETIRED_TABLE)) {
      const deleted = this.db
        .prepare(
          `DELETE FROM ${RETIRED_TABLE} WHERE rowid IN (SELECT rowid FROM ${RETIRED_TABLE} LIMIT ?)`,
        )
        .run(this.stepRows).changes;
      if (deleted < this.stepRows) this.db.exec(`DROP TABLE ${RETIRED_TABLE}`);
      this.adapt(started);
      return true;
    }
    const shadow = this.tableExists(SHADOW_TABLE);
    if (this.missingIndexes(SCORES_TABLE).length === 0) {
      if (!shadow) {
        this.complete = true;
        return false;
      }
      // Another writer created the indexes meanwhile: the copy is not needed.
      this.db.exec(`ALTER TABLE ${SHADOW_TABLE} RENAME TO ${RETIRED_TABLE}`);
      return true;
    }
    if (!shadow) {
      // Index names are global in SQLite and the live table's stay until it is dropped: the new
      // table's carry a suffix of their own.
      const suffix = `_m${Date.now().toString(36)}`;
      this.db.exec(`CREATE TABLE ${SHADOW_TABLE} (${scoreColumnsSql()});
        ${indexesSql(SHADOW_TABLE, SCORE_INDEXES, SCORES_TABLE, suffix)}`);
      return true;
    }
    const copied = this.db
      .prepare(
        `INSERT INTO ${SHADOW_TABLE} (${ALL_COLUMNS}) SELECT ${ALL_COLUMNS} FROM ${SCORES_TABLE}
         WHERE key > coalesce((SELECT max(key) FROM ${SHADOW_TABLE}), '') ORDER BY key LIMIT ?`,
      )
      .run(this.stepRows).changes;
    if (copied === this.stepRows) {
      this.adapt(started);
      return true;
    }
    this.db
      .transaction(() => {
        this.db.exec(`ALTER TABLE ${SCORES_TABLE} RENAME TO ${RETIRED_TABLE}`);
        this.db.exec(`ALTER TABLE ${SHADOW_TABLE} RENAME TO ${SCORES_TABLE}`);
      })
      .immediate();
    this.statements.clear();
    this.updates.clear();
    return true;
  }

  /** Next step's rows, so a step takes about MIGRATION_STEP_MS whatever the machine's speed. */
  private adapt(started: number): void {
    if (!this.adaptive) return;
    const elapsed = Math.max(performance.now() - started, 0.1);
    const next = Math.round((this.stepRows * MIGRATION_STEP_MS) / elapsed);
    this.stepRows = Math.min(Math.max(next, 10), Math.max(this.stepRows * 2, 10), 5_000);
  }

  private tableExists(table: string): boolean {
    return (
      this.db
        .prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?`)
        .get(table) !== undefined
    );
  }

  private hasRows(table: string): boolean {
    return this.db.prepare(`SELECT 1 FROM ${table} LIMIT 1`).get() !== undefined;
  }

  /** SCORE_INDEXES whose columns no index of `table` has (names may differ after a migration). */
  private missingIndexes(table: string): (readonly string[])[] {
    const present = new Set<string>();
    const indexes = this.db.prepare(`PRAGMA index_list(${table})`).all() as { name: string }[];
    for (const { name } of indexes) {
      const columns = this.db.prepare(`PRAGMA index_info("${name}")`).all() as {
        seqno: number;
        name: string;
      }[];
      present.add(
        columns
          .sort((a, b) => a.seqno - b.seqno)
          .map((c) => c.name)
          .join(','),
      );
    }
    return SCORE_INDEXES.filter((cols) => !present.has([...cols, 'key'].join(',')));
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
    const storedProducts = this.stmt(`SELECT product FROM ${SCORE_PRODUCTS_TABLE} WHERE key = ?`);
    const clearProducts = this.stmt(`DELETE FROM ${SCORE_PRODUCTS_TABLE} WHERE key = ?`);
    const addProduct = this.stmt(
      `INSERT OR IGNORE INTO ${SCORE_PRODUCTS_TABLE} (product, key) VALUES (?, ?)`,
    );
    const saveMeta = this.stmt(
      `INSERT INTO ${SCORE_META_TABLE} (id, meta) VALUES (1, ?)
       ON CONFLICT (id) DO UPDATE SET meta = excluded.meta`,
    );
    const current = this.stmt(
      `SELECT ${SCORE_VALUE_COLUMNS.join(', ')} FROM ${SCORES_TABLE} WHERE key = ?`,
    );
    this.db
      .transaction(() => {
        for (const row of rows) {
          const values = scoreRowValues(row);
          const before = current.get(row.key) as Record<string, ColumnValue> | undefined;
          const changed = before ? changedColumns(before, values) : undefined;
          const update = changed?.length ? this.updateOf(changed) : undefined;
          if (update) update.run(...changed!.map((i) => values[i]), row.key);
          else if (changed?.length !== 0) upsert.run(row.key, ...values);
          // A customer's products rarely change: reading them costs less than rewriting them
          // (each a row and two index entries removed and added again).
          const stored = storedProducts.all(row.key) as { product: string }[];
          if (sameProducts(stored, row.products)) continue;
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

  /**
   * An UPDATE of the columns at `changed` (indexes into SCORE_VALUE_COLUMNS): SQLite rewrites the
   * entries of every index on a column a statement sets, changed or not, and the scores table has
   * 26 beside its key's (a feedback changes the last interaction's six; an upsert of every column
   * rewrote them all: 50 us against 3 us for one column, measured alone on 24 indexes). Undefined
   * once more sets of columns than MAX_UPDATE_SHAPES have been prepared: the caller then upserts
   * every column.
   */
  private updateOf(changed: readonly number[]): Database.Statement | undefined {
    const shape = changed.join(',');
    let statement = this.updates.get(shape);
    if (!statement && this.updates.size < MAX_UPDATE_SHAPES) {
      const set = changed.map((i) => `${SCORE_VALUE_COLUMNS[i]} = ?`).join(', ');
      statement = this.db.prepare(`UPDATE ${SCORES_TABLE} SET ${set} WHERE key = ?`);
      this.updates.set(shape, statement);
    }
    return statement;
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

function scoreColumnsSql(): string {
  const columns = SCORE_VALUE_COLUMNS.map((c) => {
    const type = ['churn_risk', 'clv', 'value_at_risk', 'revenue'].includes(c) ? 'REAL' : 'TEXT';
    return `${c} ${type}${c === 'satisfaction' || c === 'item' || c === 'scored_at' || c === 'revenue' ? ' NOT NULL' : ''}`;
  });
  return `key TEXT PRIMARY KEY, ${columns.join(', ')}`;
}

/** CREATE INDEX statements on `table`, named after `base` (each ends with key). */
function indexesSql(
  table: string,
  indexes: readonly (readonly string[])[],
  base: string,
  suffix = '',
): string {
  return indexes
    .map(
      (cols) =>
        `CREATE INDEX IF NOT EXISTS ${base}_${cols.join('_')}${suffix} ON ${table} (${cols.join(', ')}, key);`,
    )
    .join('\n');
}

/** Whether the stored product rows are exactly `products` (which may name one twice). */
function sameProducts(
  stored: readonly { product: string }[],
  products: readonly string[],
): boolean {
  const wanted = new Set(products);
  return stored.length === wanted.size && stored.every(({ product }) => wanted.has(product));
}

/** Positions (in SCORE_VALUE_COLUMNS) of the values that differ from the stored row's. */
function changedColumns(
  stored: Readonly<Record<string, ColumnValue>>,
  values: readonly ColumnValue[],
): number[] {
  const changed: number[] = [];
  SCORE_VALUE_COLUMNS.forEach((column, i) => {
    if (stored[column] !== values[i]) changed.push(i);
  });
  return changed;
}
