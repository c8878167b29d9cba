import {
  emptyTimeline,
  nextActionsFor,
  type NextAction,
  type RetentionTimeline,
} from '@aftercare/analytics';
import {
  customerStreamId,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  followUpTaskStreamId,
  PROMISE_STREAM_CATEGORY,
  promiseStreamId,
  WARRANTY_CLAIM_STREAM_CATEGORY,
  warrantyClaimStreamId,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import {
  evolveRetentionTimeline,
  followUpTasksProjection,
  promisesProjection,
  warrantyClaimsProjection,
  NBA_MODEL_FITTED,
  NBA_MODEL_STREAM_CATEGORY,
  type NextBestActionsFittedData,
  nextBestActionsProjection,
  type RankedAction,
} from '@aftercare/projections';
import {
  CustomerNotFoundError,
  InvalidQueryError,
  type ReadModelQueries,
} from '../queries/customer-queries';

const RELATED = [
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
  WARRANTY_CLAIM_STREAM_CATEGORY,
];
/** The read models that list a customer's related streams, keyed by the stream's own id. */
const RELATED_READ_MODELS: [string, (key: string) => string][] = [
  [followUpTasksProjection.name, followUpTaskStreamId],
  [promisesProjection.name, promiseStreamId],
  [warrantyClaimsProjection.name, warrantyClaimStreamId],
];

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
  /** `fits`: the read-model store (the API), or the event store itself (the CLI, no catch-up). */
  constructor(
    private readonly store: EventStore,
    private readonly fits: ReadModelQueries | 'store',
    private readonly clock: () => Date,
  ) {}

  async latestFit(): Promise<NextBestActionsFittedData> {
    const fit =
      this.fits === 'store'
        ? await latestFitInStore(this.store)
        : (
            await this.fits.list<NextBestActionsFittedData | null>(nextBestActionsProjection.name, {
              orderBy: 'fittedAt',
              direction: 'desc',
              limit: 1,
            })
          ).items[0]?.state;
    if (!fit) throw new NbaModelNotFittedError();
    return fit;
  }

  /** `at`: business time the actions are for (default: now); later events are not read. */
  async forCustomer(customerId: string, at?: string): Promise<CustomerNextActions> {
    const when = at ?? this.clock().toISOString();
    const whenMs = Date.parse(when);
    if (Number.isNaN(whenMs)) throw new InvalidQueryError('at', `at '${at}' is not a date`);
    const fit = await this.latestFit();
    const timeline: RetentionTimeline = emptyTimeline(customerId);
    const fold = (event: RecordedEvent) => {
      const occurredAt = (event.data as { occurredAt?: unknown } | null)?.occurredAt;
      if (typeof occurredAt === 'string' && Date.parse(occurredAt) > whenMs) return;
      evolveRetentionTimeline(timeline, event);
    };
    let found = false;
    for await (const event of this.store.readStream(customerStreamId(customerId))) {
      found = true;
      fold(event);
    }
    if (!found) throw new CustomerNotFoundError(customerId);
    // Their follow-up tasks (one already due is not suggested again), promises (a broken one is
    // a bad incident) and warranty claims, as the fit read them.
    for await (const event of this.relatedEvents(customerId)) fold(event);
    return {
      customerId,
      at: new Date(whenMs).toISOString(),
      currency: timeline.currency,
      fit: summary(fit),
      actions: nextActionsFor(timeline, whenMs, fit.effects, fit.valueModel, fit.costs),
    };
  }

  /** The customer's task, promise and warranty-claim events: by the read models, or a scan. */
  private async *relatedEvents(customerId: string): AsyncGenerator<RecordedEvent> {
    if (this.fits === 'store') {
      for await (const event of this.store.readAll({ filter: { categories: RELATED } })) {
        if ((event.data as { customerId?: unknown } | null)?.customerId === customerId) yield event;
      }
      return;
    }
    for (const [name, streamOf] of RELATED_READ_MODELS) {
      let after: string | undefined;
      do {
        const page = await this.fits.list<unknown>(name, {
          where: { customerId },
          limit: 500,
          ...(after ? { after } : {}),
        });
        for (const item of page.items) yield* this.store.readStream(streamOf(item.key));
        after = page.items.length > 0 ? (page.nextCursor ?? undefined) : undefined;
      } while (after);
    }
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

/** The latest fit recorded in the store (fits are few: one scan of their category). */
export async function latestFitInStore(
  store: EventStore,
): Promise<NextBestActionsFittedData | undefined> {
  let latest: NextBestActionsFittedData | undefined;
  for await (const event of store.readAll({
    filter: { categories: [NBA_MODEL_STREAM_CATEGORY], eventTypePrefixes: [NBA_MODEL_FITTED] },
  })) {
    const fit = event.data as NextBestActionsFittedData;
    if (!latest || fit.occurredAt >= latest.occurredAt) latest = fit;
  }
  return latest;
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
