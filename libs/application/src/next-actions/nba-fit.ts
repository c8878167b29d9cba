import { randomUUID } from 'node:crypto';
import {
  DEFAULT_NBA_EFFECT_OPTIONS,
  emptyTimeline,
  estimateActionEffects,
  fitNbaValueModel,
  nextActionsFor,
  probabilityAlive,
  serviceRisk,
  type RetentionTimeline,
} from '@aftercare/analytics';
import { DEFAULT_RETENTION_ACTION_COSTS } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import {
  evolveRetentionTimeline,
  RETENTION_TIMELINE_CATEGORIES,
  NBA_MODEL_FITTED,
  nbaModelStreamId,
  type NextBestActionsFittedData,
  type RankedAction,
} from '@aftercare/projections';
import { lastEventDay, NothingToFitError, recordModelFit } from '../clv/clv-refit';
import { monthStarts } from './simulate-policy';

export interface NbaFitOptions {
  /** The caller's clock (ISO 8601): nothing after it is read. */
  now: string;
  /** Last day of the history to read (YYYY-MM-DD); default: the day of the store's last event. */
  calibrationEnd?: string;
  /** How many customers' best actions the fit keeps, best first (default 1000). */
  rankingLimit?: number;
  actor?: string;
  onProgress?: (progress: { events: number }) => void;
}

const PROGRESS_EVERY = 10_000;

/**
 * Fits the next-best-action model on the store's history and records it as a
 * `NextBestActionsFitted` event: the effect of each action, a share of the service risk, estimated
 * by the comparison of nba-effects.ts (with its bootstrap interval, or the stated assumption where
 * the history is too thin), the value model (BG/NBD and the churn score's MBG/NBD on the same
 * history), and every customer's best action at
 * the end of the history, ranked, so `GET /v1/next-actions?budget=N` is a slice of a stored list.
 * One pass over the customer streams; the customers' timelines are kept in memory.
 */
export async function fitNextBestActions(
  store: EventStore,
  options: NbaFitOptions,
): Promise<NextBestActionsFittedData> {
  const end = options.calibrationEnd ?? (await lastEventDay(store, options.now));
  const endOfDay = `${end}T23:59:59.999Z`;
  const asOf = Date.parse(endOfDay) < Date.parse(options.now) ? endOfDay : options.now;
  const asOfMs = Date.parse(asOf);
  const timelines = new Map<string, RetentionTimeline>();
  let first = Number.POSITIVE_INFINITY;
  let read = 0;
  for await (const event of store.readAll({
    filter: { categories: [...RETENTION_TIMELINE_CATEGORIES] },
  })) {
    if (++read % PROGRESS_EVERY === 0) options.onProgress?.({ events: read });
    const data = event.data as { customerId?: unknown; occurredAt?: unknown } | null;
    if (typeof data?.customerId !== 'string' || typeof data.occurredAt !== 'string') continue;
    const at = Date.parse(data.occurredAt);
    if (!(at <= asOfMs)) continue;
    if (at < first) first = at;
    let t = timelines.get(data.customerId);
    if (!t) timelines.set(data.customerId, (t = emptyTimeline(data.customerId)));
    evolveRetentionTimeline(t, event);
  }
  options.onProgress?.({ events: read });
  const model = fitNbaValueModel([...timelines.values()], asOfMs);
  if (!model) throw new NothingToFitError('No purchases recorded: nothing to fit');
  const from = new Date(first).toISOString();
  // Monthly snapshots from three months into the history (customers need a past to be eligible).
  const snapshots = monthStarts(from, asOf).slice(3);
  const effects = estimateActionEffects(timelines.values(), {
    ...DEFAULT_NBA_EFFECT_OPTIONS,
    snapshots,
    observedUntil: asOfMs,
    serviceRisk: (t, snap) => serviceRisk(model, t, snap),
    probabilityAlive: (rfm, weeksAhead) => probabilityAlive(model, rfm, weeksAhead),
  });
  const costs = { ...DEFAULT_RETENTION_ACTION_COSTS };
  const ranked: RankedAction[] = [];
  for (const t of timelines.values()) {
    const best = nextActionsFor(t, asOfMs, effects, model, costs)[0];
    if (!best || best.expectedValue <= 0) continue;
    const { evidence, ...figures } = best;
    ranked.push({
      customerId: t.customerId,
      currency: t.currency,
      ...figures,
      source: evidence.source,
      stratum: evidence.stratum,
    });
  }
  ranked.sort(
    (a, b) => b.expectedValue - a.expectedValue || a.customerId.localeCompare(b.customerId),
  );
  const rankingLimit = options.rankingLimit ?? 1000;
  const fit: NextBestActionsFittedData = {
    fitId: randomUUID(),
    occurredAt: asOf,
    window: { from: Number.isFinite(first) ? from : null, to: asOf },
    effects,
    valueModel: model,
    costs,
    customers: timelines.size,
    customersWithAction: ranked.length,
    ranking: ranked.slice(0, rankingLimit),
    rankingLimit,
    fittedBy: options.actor ?? 'nba-fit',
  };
  return recordModelFit(store, nbaModelStreamId(fit.fitId), NBA_MODEL_FITTED, fit);
}
