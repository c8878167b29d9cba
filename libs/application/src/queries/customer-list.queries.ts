import type { ChurnBand } from '@aftercare/analytics';
import type { SatisfactionLevel } from '@aftercare/projections';
import {
  type CustomerScoreFilter,
  type CustomerScoreIndex,
  type CustomerScoreIndexMeta,
  SCORE_SORT_COLUMNS,
  type ScoreSort,
} from '@aftercare/read-models';
import type { CustomerListItem } from '../scores/customer-score';
import { InvalidQueryError } from './customer-queries';

export const CHURN_BAND_VALUES: readonly ChurnBand[] = ['low', 'medium', 'high'];
/** `churn` is kept as another name of `churnRisk`. */
export const CUSTOMER_SORTS = [
  ...(Object.keys(SCORE_SORT_COLUMNS) as ScoreSort[]),
  'churn',
] as const;
export type CustomerSort = (typeof CUSTOMER_SORTS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;

/** The index's filters (instants may be dates or carry offsets: they are normalised here). */
export interface CustomerListQuery extends Omit<CustomerScoreFilter, 'churnBand' | 'satisfaction'> {
  churnBand?: ChurnBand;
  satisfaction?: SatisfactionLevel;
  sort?: CustomerSort;
  /** Defaults to descending (ascending for `id`). */
  order?: (typeof SORT_ORDERS)[number];
  limit?: number;
  cursor?: string;
}

/** How current the scores answered are. */
export interface CustomerScoresStatus {
  /** Every score was computed at or after this instant (null before the first full pass). */
  asOf: string | null;
  /** `building`: the first full pass is under way (some customers are missing); `refreshing`: a pass after a refit or at a new day is (some scores predate it). */
  state: 'building' | 'refreshing' | 'current';
  /** The CLV fit each currency's customers are scored with. */
  fits: { currency: string; fitId: string }[];
  /** Changes to the profile and satisfaction read models are scored up to this position. */
  checkpoint: string | null;
}

export interface CustomerListPage {
  now: string;
  scores: CustomerScoresStatus;
  items: CustomerListItem[];
  nextCursor: string | null;
}

/**
 * The customer list, from the score index: each filter an indexed column, each sort an index
 * walked from the cursor, so any page costs the same whatever the number of customers.
 */
export class CustomerListQueries {
  constructor(
    private readonly index: CustomerScoreIndex | undefined,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async list(query: CustomerListQuery = {}): Promise<CustomerListPage> {
    if (!this.index) throw new Error('The customer list needs the read models');
    const sort: ScoreSort = query.sort === 'churn' ? 'churnRisk' : (query.sort ?? 'clv');
    const direction = query.order ?? (sort === 'id' ? 'asc' : 'desc');
    const { sort: _sort, order: _order, limit: _limit, cursor: _cursor, ...filters } = query;
    const filter: CustomerScoreFilter = {
      ...filters,
      lastInteractionBefore: instant('lastInteractionBefore', query.lastInteractionBefore),
      lastInteractionAfter: instant('lastInteractionAfter', query.lastInteractionAfter),
    };
    const [meta, page] = await Promise.all([
      this.index.meta(),
      this.index.query({
        filter,
        sort,
        direction,
        limit: query.limit ?? 50,
        after: query.cursor,
      }),
    ]);
    return {
      now: this.clock().toISOString(),
      scores: scoresStatus(meta),
      items: page.items as CustomerListItem[],
      nextCursor: page.nextCursor,
    };
  }
}

/** How current the index's scores are, from its meta. */
export function scoresStatus(meta: CustomerScoreIndexMeta): CustomerScoresStatus {
  const watermarks = Object.values(meta.sources).map((s) => s.watermark);
  return {
    asOf: meta.asOf,
    state: meta.asOf === null ? 'building' : meta.pass ? 'refreshing' : 'current',
    fits: (meta.fitsKey ?? '')
      .split(',')
      .filter(Boolean)
      .map((entry) => {
        const [currency, ...fitId] = entry.split(':');
        return { currency, fitId: fitId.join(':') };
      }),
    checkpoint:
      watermarks.length === 0 || watermarks.some((w) => w === null)
        ? null
        : watermarks.reduce((a, b) => (BigInt(a!) < BigInt(b!) ? a : b))!,
  };
}

/** An instant as the index stores it (ISO-8601 UTC), or a 400 naming the field. */
function instant(field: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new InvalidQueryError(field, `${field} '${value}' is not a valid date`);
  return new Date(ms).toISOString();
}
