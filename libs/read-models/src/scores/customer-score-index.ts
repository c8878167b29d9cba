import {
  type ColumnValue,
  decodeCursor,
  encodeCursor,
  InvalidReadModelQueryError,
  keysetAfter,
} from '../read-model-store';

/**
 * The customer score index: one row per customer with the figures the customer list filters and
 * sorts on (churn band and risk, CLV, value at risk, satisfaction, segment, country, products,
 * last interaction), each an indexed column, plus the list item to answer with. Churn risk and
 * CLV depend on the CLV fit and on "now", so they cannot be folded by a projection: the
 * application's indexer computes the rows from the read models and writes them here (see
 * `CustomerScoreIndexer`). Both read-model stores hold it, beside their projections' tables.
 */

export interface CustomerScoreRow {
  key: string;
  churnBand: string | null;
  churnRisk: number | null;
  clv: number | null;
  currency: string | null;
  valueAtRisk: number | null;
  satisfaction: string;
  segment: string | null;
  country: string | null;
  /** ISO-8601 UTC instants (they order as text). */
  lastInteractionAt: string | null;
  lastPurchaseAt: string | null;
  revenue: number;
  /** What the product filter matches: the SKUs and product categories the customer bought. */
  products: readonly string[];
  scoredAt: string;
  /** The list item answered for this customer, as JSON. */
  item: unknown;
}

/** Where the indexer stands; written with the rows it covers, in one transaction. */
export interface CustomerScoreIndexMeta {
  /** The "now" of the last complete full pass: every row was scored at or after it. */
  asOf: string | null;
  /** The CLV fits that pass scored with (`currency:fitId`, sorted, comma-separated). */
  fitsKey: string | null;
  /** Per source read model: the position up to which its changes are scored, and its epoch. */
  sources: Record<string, { watermark: string | null; epoch: number }>;
  /** A full pass under way: resumed after a restart from `afterKey`. */
  pass: {
    asOf: string;
    fitsKey: string;
    afterKey: string | null;
    sources: CustomerScoreIndexMeta['sources'];
  } | null;
}

export const EMPTY_SCORE_META: CustomerScoreIndexMeta = {
  asOf: null,
  fitsKey: null,
  sources: {},
  pass: null,
};

/** Sorts the index answers, and their columns. */
export const SCORE_SORT_COLUMNS = {
  churnRisk: 'churn_risk',
  clv: 'clv',
  valueAtRisk: 'value_at_risk',
  lastInteraction: 'last_interaction_at',
  lastPurchase: 'last_purchase_at',
  revenue: 'revenue',
  id: 'key',
} as const;
export type ScoreSort = keyof typeof SCORE_SORT_COLUMNS;

export interface CustomerScoreFilter {
  churnBand?: string;
  satisfaction?: string;
  segment?: string;
  country?: string;
  currency?: string;
  /** A SKU or a product category the customer bought. */
  product?: string;
  /** Last interaction strictly before this instant (ISO-8601 UTC). */
  lastInteractionBefore?: string;
  /** Last interaction at or after this instant (ISO-8601 UTC). */
  lastInteractionAfter?: string;
}

export interface CustomerScoreQuery {
  filter?: CustomerScoreFilter;
  sort: ScoreSort;
  direction: 'asc' | 'desc';
  limit: number;
  /** `nextCursor` of the previous page. */
  after?: string;
}

export interface CustomerScorePage {
  items: unknown[];
  nextCursor: string | null;
}

export interface CustomerScoreIndex {
  /**
   * Creates the tables if missing, and the sort indexes while the table is empty. Indexes a table
   * with rows lacks (an upgrade added them) are left to `migrate`: built at once they would hold
   * the process (SQLite) or block the index's writes (PostgreSQL) for as long as they take.
   */
  ensure(): Promise<void>;
  /**
   * One short step of building the sort indexes the table lacks, while reads go on; true while
   * more remains. Run by the index's writer (the indexer) before it writes.
   */
  migrate(): Promise<boolean>;
  meta(): Promise<CustomerScoreIndexMeta>;
  /** Upserts rows and replaces the meta, in one transaction. */
  write(rows: readonly CustomerScoreRow[], meta: CustomerScoreIndexMeta): Promise<void>;
  query(query: CustomerScoreQuery): Promise<CustomerScorePage>;
  count(): Promise<number>;
  /** Customers, CLVs held and value at risk summed by churn band and currency. */
  bandTotals(): Promise<ScoreBandTotal[]>;
  /** Every CLV held in a currency, ascending (a histogram's input). */
  clvValues(currency: string): Promise<number[]>;
}

export interface ScoreBandTotal {
  churnBand: string | null;
  currency: string | null;
  customers: number;
  /** Customers with a CLV (and so a value at risk). */
  withClv: number;
  valueAtRisk: number;
}

/** The band totals' SELECT, in either dialect. */
export function bandTotalsSql(scores: string): string {
  return `SELECT churn_band, currency, CAST(count(*) AS INTEGER) AS customers,
      CAST(count(clv) AS INTEGER) AS with_clv, sum(value_at_risk) AS value_at_risk
    FROM ${scores} GROUP BY churn_band, currency`;
}

export function bandTotalRows(
  rows: readonly {
    churn_band: string | null;
    currency: string | null;
    customers: number | string;
    with_clv: number | string;
    value_at_risk: number | string | null;
  }[],
): ScoreBandTotal[] {
  return rows.map((r) => ({
    churnBand: r.churn_band,
    currency: r.currency,
    customers: Number(r.customers),
    withClv: Number(r.with_clv),
    valueAtRisk: Number(r.value_at_risk ?? 0),
  }));
}

/** The CLV values' SELECT (one parameter: the currency): a walk of the (currency, clv) index. */
export function clvValuesSql(scores: string, currency: string): string {
  return `SELECT clv FROM ${scores} WHERE currency = ${currency} AND clv IS NOT NULL ORDER BY clv`;
}

export const SCORES_TABLE = 'rm_customer_scores';
export const SCORE_PRODUCTS_TABLE = 'rm_customer_score_products';
export const SCORE_META_TABLE = 'rm_customer_score_meta';

/** Filter columns: each has an index of its own. */
const FILTER_COLUMNS = {
  churnBand: 'churn_band',
  satisfaction: 'satisfaction',
  segment: 'segment',
  country: 'country',
  currency: 'currency',
} as const;

/** Sorts a worklist ranks by: each also has an index under every filter column. */
const RANKED = ['churn_risk', 'clv', 'value_at_risk', 'last_interaction_at'];

/**
 * Indexes of the scores table (each ends with key): every sort alone, and every filter column
 * followed by each ranked sort, so a filtered, sorted page is one walk of one index (with the
 * filter's index alone, SQLite sorted every match: 115-300 ms at 72,000 customers).
 */
export const SCORE_INDEXES: readonly (readonly string[])[] = [
  ...Object.values(SCORE_SORT_COLUMNS)
    .filter((c) => c !== 'key')
    .map((c) => [c]),
  ...Object.values(FILTER_COLUMNS).flatMap((f) => RANKED.map((c) => [f, c])),
];

/** The row's values in the table's column order (after key). */
export function scoreRowValues(row: CustomerScoreRow): ColumnValue[] {
  return [
    row.churnBand,
    row.churnRisk,
    row.clv,
    row.currency,
    row.valueAtRisk,
    row.satisfaction,
    row.segment,
    row.country,
    row.lastInteractionAt,
    row.lastPurchaseAt,
    row.revenue,
    row.scoredAt,
    JSON.stringify(row.item),
  ];
}

export const SCORE_VALUE_COLUMNS = [
  'churn_band',
  'churn_risk',
  'clv',
  'currency',
  'value_at_risk',
  'satisfaction',
  'segment',
  'country',
  'last_interaction_at',
  'last_purchase_at',
  'revenue',
  'scored_at',
  'item',
] as const;

/**
 * The SELECT of one page, in either dialect: `param` adds a parameter and returns its
 * placeholder; `nulls` spells the NULL ordering (SQLite's default, made explicit for PostgreSQL).
 * NULLs come first ascending and last descending; ties are broken by key in the same direction,
 * so the `(column, key)` index serves both.
 */
export function scorePageSql(
  query: CustomerScoreQuery,
  table: { scores: string; products: string },
  param: (value: unknown) => string,
  nulls: (direction: 'ASC' | 'DESC') => string,
): string {
  const column = SCORE_SORT_COLUMNS[query.sort];
  if (!column) throw new InvalidReadModelQueryError(`Unknown sort '${query.sort}'`);
  if (!Number.isInteger(query.limit) || query.limit < 1 || query.limit > 1000) {
    throw new InvalidReadModelQueryError('limit must be an integer from 1 to 1000');
  }
  const direction = query.direction === 'asc' ? 'ASC' : 'DESC';
  const clauses: string[] = [];
  const filter = query.filter ?? {};
  for (const [field, col] of Object.entries(FILTER_COLUMNS)) {
    const value = filter[field as keyof typeof FILTER_COLUMNS];
    if (value !== undefined) clauses.push(`${col} = ${param(value)}`);
  }
  if (filter.product !== undefined) {
    clauses.push(
      `key IN (SELECT key FROM ${table.products} WHERE product = ${param(filter.product)})`,
    );
  }
  if (filter.lastInteractionBefore !== undefined) {
    clauses.push(`last_interaction_at < ${param(filter.lastInteractionBefore)}`);
  }
  if (filter.lastInteractionAfter !== undefined) {
    clauses.push(`last_interaction_at >= ${param(filter.lastInteractionAfter)}`);
  }
  if (query.after !== undefined) {
    const [value, key] = decodeScoreCursor(query.after, query);
    clauses.push(
      column === 'key'
        ? `key ${direction === 'ASC' ? '>' : '<'} ${param(key)}`
        : keysetAfter(column, direction, value, key, param),
    );
  }
  const order =
    column === 'key'
      ? `key ${direction}`
      : `${column} ${direction}${nulls(direction)}, key ${direction}`;
  return `SELECT key, item, ${column} AS sort_value FROM ${table.scores}
    ${clauses.length ? `WHERE ${clauses.join(' AND ')}` : ''}
    ORDER BY ${order} LIMIT ${param(query.limit + 1)}`;
}

/** A page from the rows fetched (one more than the limit, to know whether more follow). */
export function scorePage(
  rows: readonly { key: string; item: string; sort_value: ColumnValue }[],
  query: CustomerScoreQuery,
): CustomerScorePage {
  const page = rows.slice(0, query.limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => JSON.parse(row.item) as unknown),
    nextCursor:
      rows.length > query.limit && last
        ? encodeCursor(last.sort_value, `${query.sort}:${query.direction}:${last.key}`)
        : null,
  };
}

/** A cursor names its sort and direction, so one issued for another order is refused. */
function decodeScoreCursor(cursor: string, query: CustomerScoreQuery): [ColumnValue, string] {
  const [value, tagged] = decodeCursor(cursor);
  const prefix = `${query.sort}:${query.direction}:`;
  if (!tagged.startsWith(prefix)) {
    throw new InvalidReadModelQueryError(`'${cursor}' is not a cursor for this sort and order`);
  }
  return [value, tagged.slice(prefix.length)];
}
