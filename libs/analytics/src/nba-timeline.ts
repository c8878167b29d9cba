/**
 * What the next-best-action model reads of one customer: a compact timeline of the facts that
 * decide which actions fit and how the customer fared (purchases, bad incidents, complaints,
 * feedback, plans, actions taken). Filled from the event history by a fold in
 * @aftercare/projections (retention-timeline.ts); times are epoch milliseconds.
 */
import type { RfmObservation } from './bg-nbd';
import type { ServiceExperience } from './churn';

export type RetentionActionName =
  | 'recovery_call'
  | 'goodwill_credit'
  | 'expedited_repair'
  | 'maintenance_plan_offer'
  | 'accessory_offer'
  | 'referral_ask'
  | 'review_request';

export type IncidentKind =
  | 'late_delivery'
  | 'failed_delivery'
  | 'failed_setup'
  | 'faulty_return'
  | 'complaint'
  | 'slow_acknowledgement'
  | 'escalation'
  | 'reopening'
  | 'bad_resolution'
  | 'defect'
  | 'paid_repair'
  | 'detractor'
  | 'warranty_rejection'
  | 'broken_promise'
  | 'missed_follow_up';

export interface RetentionTimeline {
  customerId: string;
  currency: string | null;
  erasedAt: number | null;
  purchases: { at: number; price: number; serialised: boolean }[];
  incidents: { at: number; kind: IncidentKind }[];
  complaints: {
    id: string;
    filedAt: number;
    resolvedAt: number | null;
    product: boolean;
    remedySought: string;
  }[];
  nps: { at: number; score: number }[];
  plans: { id: string; at: number; cancelledAt: number | null }[];
  actions: { at: number; action: RetentionActionName }[];
  /** Kinds of the follow-up tasks created for the customer, by task id. */
  followUps: Record<string, string>;
  /** Follow-up calls about trouble (every kind but the courtesy call): created, and done when. */
  followUpCalls: { taskId: string; createdAt: number; doneAt: number | null }[];
  /** Purchases with a delivery booked and not completed (a second booking: the first failed). */
  pendingDeliveries: Record<string, true>;
  /** Warranty claims already counted as rejected (an override may reject again). */
  rejectedClaims: Record<string, true>;
}

export function emptyTimeline(customerId: string): RetentionTimeline {
  return {
    customerId,
    currency: null,
    erasedAt: null,
    purchases: [],
    incidents: [],
    complaints: [],
    nps: [],
    plans: [],
    actions: [],
    followUps: {},
    followUpCalls: [],
    pendingDeliveries: {},
    rejectedClaims: {},
  };
}

const DAY = 86_400_000;
const WEEK = 7 * DAY;

/** The customer as seen at time t: only facts at or before t. */
export interface TimelineSnapshot {
  at: number;
  purchases: number;
  lastPurchaseAt: number | null;
  revenue: number;
  lastIncidentAt: number | null;
  incidentsLast90Days: number;
  openComplaints: number;
  openProductComplaints: number;
  latestNps: { at: number; score: number } | null;
  hasActivePlan: boolean;
  /** A serialised product over 300 bought within two years. */
  ownsMaintainableProduct: boolean;
  lastActionAt: Partial<Record<RetentionActionName, number>>;
  /** A follow-up call about trouble is open (created, not done): one is already due. */
  followUpCallOpen: boolean;
}

export function snapshotAt(t: RetentionTimeline, at: number): TimelineSnapshot {
  let purchases = 0;
  let lastPurchaseAt: number | null = null;
  let revenue = 0;
  let maintainable = false;
  for (const p of t.purchases) {
    if (p.at > at) continue;
    purchases++;
    revenue += p.price;
    if (lastPurchaseAt === null || p.at > lastPurchaseAt) lastPurchaseAt = p.at;
    if (p.serialised && p.price > 300 && at - p.at <= 730 * DAY) maintainable = true;
  }
  let lastIncidentAt: number | null = null;
  let recent = 0;
  for (const i of t.incidents) {
    if (i.at > at) continue;
    if (lastIncidentAt === null || i.at > lastIncidentAt) lastIncidentAt = i.at;
    if (at - i.at <= 90 * DAY) recent++;
  }
  let open = 0;
  let openProduct = 0;
  for (const c of t.complaints) {
    if (c.filedAt <= at && (c.resolvedAt === null || c.resolvedAt > at)) {
      open++;
      if (c.product) openProduct++;
    }
  }
  let latestNps: TimelineSnapshot['latestNps'] = null;
  for (const n of t.nps)
    if (n.at <= at && (latestNps === null || n.at >= latestNps.at)) latestNps = n;
  const lastActionAt: TimelineSnapshot['lastActionAt'] = {};
  for (const a of t.actions) {
    if (a.at > at) continue;
    const prev = lastActionAt[a.action];
    if (prev === undefined || a.at > prev) lastActionAt[a.action] = a.at;
  }
  return {
    at,
    purchases,
    lastPurchaseAt,
    revenue,
    lastIncidentAt,
    incidentsLast90Days: recent,
    openComplaints: open,
    openProductComplaints: openProduct,
    latestNps,
    hasActivePlan: t.plans.some(
      (p) => p.at <= at && (p.cancelledAt === null || p.cancelledAt > at),
    ),
    ownsMaintainableProduct: maintainable,
    lastActionAt,
    followUpCallOpen: t.followUpCalls.some(
      (c) => c.createdAt <= at && (c.doneAt === null || c.doneAt > at),
    ),
  };
}

/**
 * Churn risk's service-experience input from the timeline (counts over the last 180 days, and
 * every incident's age for the pooled and separate incident factors, read only by structures
 * that include them).
 */
export function timelineExperience(t: RetentionTimeline, at: number): ServiceExperience {
  const within = (kind: IncidentKind) =>
    t.incidents.filter((i) => i.kind === kind && i.at <= at && at - i.at <= 180 * DAY).length;
  const latest = snapshotAt(t, at).latestNps;
  const incidentAgesDays: Partial<Record<IncidentKind, number[]>> = {};
  for (const i of t.incidents) {
    if (i.at > at) continue;
    (incidentAgesDays[i.kind] ??= []).push((at - i.at) / DAY);
  }
  return {
    incidentAgesDays,
    openComplaintAgesDays: t.complaints
      .filter((c) => c.filedAt <= at && (c.resolvedAt === null || c.resolvedAt > at))
      .map((c) => (at - c.filedAt) / DAY),
    resolvedComplaints: t.complaints.filter(
      (c) => c.resolvedAt !== null && c.resolvedAt <= at && at - c.resolvedAt <= 180 * DAY,
    ).length,
    latestNps: latest?.score ?? null,
    latestNpsWeight: latest && at - latest.at <= 365 * DAY ? 1 : 0.5,
    failedSetups: within('failed_setup'),
    lateDeliveries: within('late_delivery'),
    repeatRepairSerials: within('paid_repair') > 1 ? 1 : 0,
    warrantyRejections: within('warranty_rejection'),
  };
}

/**
 * The customer's repeat purchases in BG/NBD's terms (weeks) as of `at`, purchases on one day
 * merged; those in `leaveOut` (from, to], if given, are not counted.
 */
export function timelineRfm(
  t: RetentionTimeline,
  at: number,
  leaveOut?: readonly [number, number],
): RfmObservation | null {
  const days = [
    ...new Set(
      t.purchases
        .filter((p) => p.at <= at && !(leaveOut && p.at > leaveOut[0] && p.at <= leaveOut[1]))
        .map((p) => Math.floor(p.at / DAY)),
    ),
  ];
  if (days.length === 0) return null;
  days.sort((a, b) => a - b);
  const first = days[0];
  return {
    x: days.length - 1,
    tx: ((days[days.length - 1] - first) * DAY) / WEEK,
    T: (at - first * DAY) / WEEK,
  };
}
