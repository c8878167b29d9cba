import {
  emptyTimeline,
  nextActionsFor,
  type NextAction,
  type RetentionTimeline,
} from '@aftercare/analytics';
import { customerStreamId } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import {
  evolveRetentionTimeline,
  type NextBestActionsFittedData,
  nextBestActionsProjection,
  type RankedAction,
} from '@aftercare/projections';
import {
  CustomerNotFoundError,
  InvalidQueryError,
  type ReadModelQueries,
} from '../queries/customer-queries';

/** No next-best-action fit has been recorded yet: `aftercare next-actions fit` makes one. */
export class NbaModelNotFittedError extends Error {
  constructor() {
    super('No next-best-action model has been fitted yet: run `aftercare next-actions fit`');
    this.name = 'NbaModelNotFittedError';
  }
}

/** What a fit says about itself beside its figures. */
export interface NbaFitSummary {
  fitId: string;
  asOf: string;
  window: NextBestActionsFittedData['window'];
  customers: number;
  customersWithAction: number;
  valueModel: { method: string; horizonWeeks: number };
}

export interface CustomerNextActions {
  customerId: string;
  /** The moment the actions are for (the caller's clock). */
  at: string;
  currency: string | null;
  fit: NbaFitSummary;
  actions: NextAction[];
}

export interface RankedNextActions {
  fit: NbaFitSummary;
  budget: number;
  items: RankedAction[];
}

export const MAX_NBA_BUDGET = 1000;

/**
 * The next best actions: one customer's now (their stream read and folded, scored with the
 * latest fit's effects and value model), or the fit's ranking across customers for a budget
 * (a slice of the list the fit stored: no store scan per request).
 */
export class NextActionsQueries {
  constructor(
    private readonly store: EventStore,
    private readonly readModels: ReadModelQueries,
    private readonly clock: () => Date,
  ) {}

  async latestFit(): Promise<NextBestActionsFittedData> {
    const page = await this.readModels.list<NextBestActionsFittedData | null>(
      nextBestActionsProjection.name,
      { orderBy: 'fittedAt', direction: 'desc', limit: 1 },
    );
    const fit = page.items[0]?.state;
    if (!fit) throw new NbaModelNotFittedError();
    return fit;
  }

  async forCustomer(customerId: string): Promise<CustomerNextActions> {
    const fit = await this.latestFit();
    let timeline: RetentionTimeline | null = null;
    for await (const event of this.store.readStream(customerStreamId(customerId))) {
      timeline ??= emptyTimeline(customerId);
      evolveRetentionTimeline(timeline, event);
    }
    if (timeline === null) throw new CustomerNotFoundError(customerId);
    const at = this.clock().toISOString();
    return {
      customerId,
      at,
      currency: timeline.currency,
      fit: summary(fit),
      actions: nextActionsFor(timeline, Date.parse(at), fit.effects, fit.valueModel, fit.costs),
    };
  }

  async ranked(budget: number): Promise<RankedNextActions> {
    if (!Number.isInteger(budget) || budget < 1 || budget > MAX_NBA_BUDGET) {
      throw new InvalidQueryError(
        'budget',
        `budget must be a whole number from 1 to ${MAX_NBA_BUDGET}`,
      );
    }
    const fit = await this.latestFit();
    return { fit: summary(fit), budget, items: fit.ranking.slice(0, budget) };
  }
}

function summary(fit: NextBestActionsFittedData): NbaFitSummary {
  return {
    fitId: fit.fitId,
    asOf: fit.occurredAt,
    window: fit.window,
    customers: fit.customers,
    customersWithAction: fit.customersWithAction,
    valueModel: {
      method:
        fit.valueModel.bgNbd === null
          ? `own purchase rate x mean order value (BG/NBD refused: ${fit.valueModel.bgNbdRefusal ?? 'no fit'})`
          : 'BG/NBD expected purchases x mean order value (shrunk to the currency mean)',
      horizonWeeks: fit.valueModel.horizonWeeks,
    },
  };
}
