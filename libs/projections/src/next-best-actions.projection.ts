import type {
  NbaEffects,
  NbaValueModel,
  NextAction,
  RetentionActionName,
} from '@aftercare/analytics';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';

/**
 * Next-best-action fits. A fit (the action effects estimated from the store's history, the value
 * model, and the ranking of every customer's best action at the fit's time) is recorded as
 * `NextBestActionsFitted` in stream `nbaModel-<fitId>`, so every figure the API shows names the
 * fit and the evidence behind it. Like a CLV fit it belongs to the population: no customerId.
 */
export const NBA_MODEL_STREAM_CATEGORY = 'nbaModel';
export const nbaModelStreamId = (fitId: string): string => `${NBA_MODEL_STREAM_CATEGORY}-${fitId}`;
export const NBA_MODEL_FITTED = 'NextBestActionsFitted';

/** One customer's best action at the fit's time. */
export interface RankedAction extends Omit<NextAction, 'evidence'> {
  customerId: string;
  currency: string | null;
  source: NextAction['evidence']['source'];
  stratum: string;
}

export interface NextBestActionsFittedData {
  fitId: string;
  /** The fit's business time: the end of the history it read; the ranking is as of then. */
  occurredAt: string;
  window: { from: string | null; to: string };
  effects: NbaEffects;
  valueModel: NbaValueModel;
  /** What each action costs (units of the customer's currency), as used in expected values. */
  costs: Record<RetentionActionName, number>;
  customers: number;
  /** Customers with an action of positive expected value, of which `ranking` keeps the best. */
  customersWithAction: number;
  /** Best first, at most `rankingLimit`. */
  ranking: RankedAction[];
  rankingLimit: number;
  fittedBy: string;
}

export type NbaFitState = NextBestActionsFittedData | null;

export const nextBestActionsProjection: Projection<NbaFitState> = {
  name: 'nba_models',
  version: 1,
  filter: { categories: [NBA_MODEL_STREAM_CATEGORY], eventTypePrefixes: [NBA_MODEL_FITTED] },
  keyOf: (event: RecordedEvent) => {
    if (event.type !== NBA_MODEL_FITTED) return undefined;
    const fitId = (event.data as { fitId?: unknown } | null)?.fitId;
    return typeof fitId === 'string' ? fitId : undefined;
  },
  initialState: () => null,
  evolve: (state, event) =>
    event.type === NBA_MODEL_FITTED ? (event.data as NextBestActionsFittedData) : state,
  columns: { fittedAt: (s) => s?.occurredAt ?? null },
  // The latest fit.
  indexes: ['fittedAt'],
};
