import type { ChurnTrainingExample, ServiceExperience } from '@aftercare/analytics';
import { summarizeTransactions } from '@aftercare/analytics';
import { WARRANTY_CLAIM_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import {
  customerProfileProjection,
  type CustomerProfileState,
  mainCurrency,
  purchaseTransactions,
} from './customer-profile.projection';
import {
  churnIncidentsProjection,
  type ChurnIncidentsState,
  incidentAgesAt,
} from './churn-incidents.projection';
import { DAY_MS, dayOf, ms } from './event-data';
import { passesFilter } from './event-filter';
import {
  EXPERIENCE_STREAM_CATEGORIES,
  satisfactionProjection,
  type SatisfactionStateData,
} from './satisfaction.projection';

/** Every stream churn risk reads: the customer's experience and their warranty claims. */
export const CHURN_STREAM_CATEGORIES: readonly string[] = [
  ...EXPERIENCE_STREAM_CATEGORIES,
  WARRANTY_CLAIM_STREAM_CATEGORY,
];

/** Events up to this age (days) count fully in churn risk. */
export const CHURN_RECENCY_FULL_DAYS = 180;
/** Beyond it, an event's weight halves every this many days. */
export const CHURN_RECENCY_HALF_LIFE_DAYS = 180;

/**
 * How much an event `ageDays` old still says about churn: 1 up to 180 days, then halving every
 * 180 days (0.5 at one year, 0.25 at 18 months). 0 for events after `now` (not yet known).
 */
export function churnRecencyWeight(ageDays: number): number {
  if (!(ageDays >= 0)) return 0;
  if (ageDays <= CHURN_RECENCY_FULL_DAYS) return 1;
  return Math.pow(0.5, (ageDays - CHURN_RECENCY_FULL_DAYS) / CHURN_RECENCY_HALF_LIFE_DAYS);
}

/**
 * The service-experience side of churn risk, as the analytics library's scorer takes it, from
 * the customer's profile and satisfaction state at `now`. Open complaints count fully whatever
 * their age (their age is a factor of its own); everything else is a recency-weighted count
 * (churnRecencyWeight), so an old resolved complaint says less than an open one. The scorer caps
 * the counts; nothing is weighted by outcome or tuned here.
 *
 * Where the read models keep only the latest time of a kind of event (late deliveries: a count
 * and the latest one), the count is weighted by the age of the latest: an upper bound of the
 * per-event weighting.
 */
export function churnExperience(
  profile: CustomerProfileState,
  satisfaction: SatisfactionStateData,
  now: string,
  incidents?: ChurnIncidentsState,
): ServiceExperience {
  const nowMs = ms(now);
  const happened = (at: string | null): at is string => at !== null && ms(at) <= nowMs;
  const weight = (at: string | null): number =>
    happened(at) ? churnRecencyWeight((nowMs - ms(at)) / DAY_MS) : 0;
  const sum = (values: number[]): number => values.reduce((a, b) => a + b, 0);

  const complaints = Object.values(satisfaction.complaints).filter((c) => happened(c.filedAt));
  const openComplaintAgesDays = complaints
    .filter((c) => c.open)
    .map((c) => Math.max(0, (nowMs - ms(c.filedAt)) / DAY_MS));
  const resolvedComplaints = sum(
    complaints.filter((c) => !c.open).map((c) => weight(c.resolvedAt ?? c.filedAt)),
  );
  const latest = satisfaction.nps.latest;
  const npsKnown = latest !== null && happened(latest.at);
  return {
    openComplaintAgesDays,
    resolvedComplaints,
    latestNps: npsKnown ? latest.score : null,
    latestNpsWeight: npsKnown ? weight(latest.at) : 0,
    failedSetups: sum(
      Object.values(satisfaction.setups).map((s) =>
        s.failures > 0 ? s.failures * weight(s.lastFailedAt) : 0,
      ),
    ),
    lateDeliveries: satisfaction.deliveries.late * weight(satisfaction.deliveries.lastLateAt),
    repeatRepairSerials: sum(
      Object.values(satisfaction.repairsBySerial)
        .filter((r) => r.count > 1)
        .map((r) => weight(r.lastAt)),
    ),
    returns: sum(Object.values(profile.returns).map((r) => weight(r.requestedAt ?? r.completedAt))),
    warrantyRejections: sum(
      Object.values(profile.claims)
        .filter((c) => c.outcome === 'rejected')
        .map((c) => weight(c.filedAt)),
    ),
    brokenPromises: sum(satisfaction.customerPromises.brokenAt.map((b) => weight(b.at))),
    missedFollowUps: sum(satisfaction.followUps.missedAt.map((m) => weight(m.at))),
    ...(incidents ? { incidentAgesDays: incidentAgesAt(incidents, now) } : {}),
  };
}

/** A customer's folded states, as churn risk reads them. */
export interface CustomerChurnStates {
  profile: CustomerProfileState;
  satisfaction: SatisfactionStateData;
  incidents: ChurnIncidentsState;
}

/**
 * Folds one event (customer, promise, follow-up or warranty-claim stream) into the customer's
 * profile, satisfaction and incident states; events of other streams are ignored. The caller
 * filters by business time
 * (occurredAt) for an as-of fold.
 */
export function foldChurnStates(
  states: Map<string, CustomerChurnStates>,
  event: RecordedEvent,
): void {
  const key = customerProfileProjection.keyOf(event);
  if (key === undefined) return;
  let s = states.get(key);
  if (!s) {
    s = {
      profile: customerProfileProjection.initialState(key),
      satisfaction: satisfactionProjection.initialState(key),
      incidents: churnIncidentsProjection.initialState(key),
    };
    states.set(key, s);
  }
  if (passesFilter(churnIncidentsProjection.filter, event.streamId, event.type)) {
    s.incidents = churnIncidentsProjection.evolve(s.incidents, event);
  }
  if (passesFilter(customerProfileProjection.filter, event.streamId, event.type)) {
    s.profile = customerProfileProjection.evolve(s.profile, event);
  }
  if (passesFilter(satisfactionProjection.filter, event.streamId, event.type)) {
    s.satisfaction = satisfactionProjection.evolve(s.satisfaction, event);
  }
}

/**
 * The training set of the learned experience weights (learnChurnWeights in @aftercare/analytics):
 * every buyer by the training cut-off, with their (x, tx, T) and experience at that cut-off (the
 * states folded up to it) and whether they made no purchase after it, up to the scoring time.
 * `lastPurchaseMs` gives each customer's latest purchase time known by the scoring time; it comes
 * from the store, never from any ground truth. `currency`: the currency the purchase model is
 * fitted in (default: each customer's main currency).
 */
export function churnTrainingExamples(
  atTrainingCutoff: ReadonlyMap<string, CustomerChurnStates>,
  trainingCutoff: string,
  lastPurchaseMs: (customerId: string) => number | undefined,
  currency?: string,
): ChurnTrainingExample[] {
  const cutoffMs = ms(trainingCutoff);
  const day = dayOf(trainingCutoff);
  const examples: ChurnTrainingExample[] = [];
  for (const [id, { profile, satisfaction, incidents }] of atTrainingCutoff) {
    const rfm = summarizeTransactions(
      purchaseTransactions(profile, currency ?? mainCurrency(profile)),
      day,
    )[0];
    if (!rfm) continue;
    const last = lastPurchaseMs(id);
    examples.push({
      rfm,
      experience: churnExperience(profile, satisfaction, trainingCutoff, incidents),
      noPurchaseInHorizon: !(last !== undefined && last > cutoffMs),
    });
  }
  return examples;
}
