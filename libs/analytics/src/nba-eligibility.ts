/**
 * Which retention actions fit a customer at a moment, and why: rules over what the history shows
 * (never over anything latent). The same rules pick the comparison groups when effects are
 * estimated (nba-effects.ts), so an effect is only ever applied to customers like those it was
 * measured on.
 */
import type { RetentionActionName, TimelineSnapshot } from './nba-timeline';

const DAY = 86_400_000;

export const NBA_ACTIONS: readonly RetentionActionName[] = [
  'recovery_call',
  'goodwill_credit',
  'expedited_repair',
  'maintenance_plan_offer',
  'accessory_offer',
  'referral_ask',
  'review_request',
];

export interface Eligibility {
  action: RetentionActionName;
  /** The rule that made the action a candidate, in words. */
  reason: string;
}

/** The rules, each with its wording (GET /v1/next-actions shows them). */
export const ELIGIBILITY_RULES: Readonly<Record<RetentionActionName, string>> = {
  recovery_call:
    'a bad incident in the last 14 days, not yet followed up, and no follow-up call already due',
  goodwill_credit: 'an open complaint or two bad incidents in 90 days; no credit in 90 days',
  expedited_repair:
    'an open complaint about a product or its installation; none sped up in 30 days',
  maintenance_plan_offer:
    'owns a serialised product over 300 bought in the last two years, no active plan, not offered in 180 days',
  accessory_offer:
    'bought in the last 180 days, no bad incident in 60 days, not a detractor; not offered in 90 days',
  referral_ask: 'a promoter (NPS 9-10) in the last year; not asked in 180 days',
  review_request: 'bought in the last 30 days, no bad incident since; not asked in 90 days',
};

const since = (s: TimelineSnapshot, at: number | null | undefined): number =>
  at === null || at === undefined ? Number.POSITIVE_INFINITY : (s.at - at) / DAY;

export function eligibleActions(s: TimelineSnapshot): Eligibility[] {
  if (s.purchases === 0) return [];
  const out: Eligibility[] = [];
  const add = (action: RetentionActionName) =>
    out.push({ action, reason: ELIGIBILITY_RULES[action] });
  const incidentDays = since(s, s.lastIncidentAt);
  const purchaseDays = since(s, s.lastPurchaseAt);
  const acted = (a: RetentionActionName) => since(s, s.lastActionAt[a]);
  const nps = s.latestNps;

  if (incidentDays <= 14 && acted('recovery_call') > incidentDays && !s.followUpCallOpen) {
    add('recovery_call');
  }
  if ((s.openComplaints > 0 || s.incidentsLast90Days >= 2) && acted('goodwill_credit') > 90) {
    add('goodwill_credit');
  }
  if (s.openProductComplaints > 0 && acted('expedited_repair') > 30) add('expedited_repair');
  if (s.ownsMaintainableProduct && !s.hasActivePlan && acted('maintenance_plan_offer') > 180) {
    add('maintenance_plan_offer');
  }
  if (
    purchaseDays <= 180 &&
    incidentDays > 60 &&
    !(nps !== null && nps.score <= 6) &&
    acted('accessory_offer') > 90
  ) {
    add('accessory_offer');
  }
  if (nps !== null && nps.score >= 9 && since(s, nps.at) <= 365 && acted('referral_ask') > 180) {
    add('referral_ask');
  }
  if (purchaseDays <= 30 && incidentDays > purchaseDays && acted('review_request') > 90) {
    add('review_request');
  }
  return out;
}

/** Purchase frequency bands and days-since-last-purchase bands of the comparison strata. */
const FREQUENCY = [
  { upTo: 1, name: 'f1' },
  { upTo: 3, name: 'f2-3' },
  { upTo: Number.POSITIVE_INFINITY, name: 'f4+' },
];
const RECENCY_DAYS = [
  { upTo: 30, name: 'r30' },
  { upTo: 90, name: 'r90' },
  { upTo: 180, name: 'r180' },
  { upTo: 365, name: 'r365' },
  { upTo: Number.POSITIVE_INFINITY, name: 'rmore' },
];

/** Every stratum, in a fixed order. */
export const NBA_STRATA: readonly string[] = FREQUENCY.flatMap((f) =>
  RECENCY_DAYS.map((r) => `${f.name}/${r.name}`),
);

/**
 * The comparison stratum of a customer: purchase frequency (1, 2-3, 4+) and days since the last
 * purchase (30, 90, 180, 365, more). Effects are compared within a stratum and then weighted, so
 * a recent buyer who got an offer is compared with recent buyers who did not.
 */
export function nbaStratum(s: TimelineSnapshot): string {
  const freq = FREQUENCY.find((f) => s.purchases <= f.upTo)?.name ?? 'f4+';
  const days = since(s, s.lastPurchaseAt);
  const rec = RECENCY_DAYS.find((r) => days <= r.upTo)?.name ?? 'rmore';
  return `${freq}/${rec}`;
}
