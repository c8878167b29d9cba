import type { ComplaintCategory, ComplaintSeverity } from '@aftercare/domain';
import { assertNever, CUSTOMER_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent, customerIdOf, DAY_MS, latest, ms } from './event-data';

/**
 * Satisfaction, keyed by customerId: what the customer told us (NPS, CSAT, CES), how their
 * complaints were handled (in the spirit of ISO 10002: acknowledged promptly, resolved, escalated,
 * reopened), whether promises were kept (delivery on time, setup right first time) and whether a
 * product kept coming back for repair. `satisfactionState(state, now)` turns it into a state with
 * the reasons that put it there.
 */

export type NpsCategory = 'promoter' | 'passive' | 'detractor';

export function npsCategory(score: number): NpsCategory {
  if (score >= 9) return 'promoter';
  if (score >= 7) return 'passive';
  return 'detractor';
}

export interface ScoreAt {
  score: number;
  at: string;
}

export interface ComplaintRecord {
  complaintId: string;
  purchaseId: string | null;
  category: ComplaintCategory;
  severity: ComplaintSeverity;
  filedAt: string;
  /** First acknowledgement. */
  acknowledgedAt: string | null;
  /** Last resolution; null while open. */
  resolvedAt: string | null;
  /** First resolution, for time to resolve (a reopening does not restart the clock). */
  firstResolvedAt: string | null;
  open: boolean;
  escalations: number;
  reopenings: number;
  lastReopenedAt: string | null;
  lastEscalatedAt: string | null;
}

export interface SetupRecord {
  purchaseId: string;
  /** Outcome of the first visit; null while none happened. */
  firstVisit: 'succeeded' | 'failed' | null;
  failures: number;
  lastFailedAt: string | null;
  completedAt: string | null;
}

export interface SerialRepairs {
  serialNumber: string;
  purchaseId: string;
  count: number;
  defectCodes: string[];
  lastAt: string;
}

export interface SatisfactionStateData {
  customerId: string;
  nps: {
    latest: ScoreAt | null;
    count: number;
    promoters: number;
    passives: number;
    detractors: number;
  };
  csat: { latest: ScoreAt | null; count: number; sum: number; satisfied: number };
  ces: { latest: ScoreAt | null; count: number; sum: number };
  lastFeedbackAt: string | null;
  complaints: Record<string, ComplaintRecord>;
  deliveries: { completed: number; onTime: number; late: number; lastLateAt: string | null };
  setups: Record<string, SetupRecord>;
  repairsBySerial: Record<string, SerialRepairs>;
  returns: { requested: number; completed: number; refunded: number; lastAt: string | null };
  referrals: number;
}

export function initialSatisfaction(customerId: string): SatisfactionStateData {
  return {
    customerId,
    nps: { latest: null, count: 0, promoters: 0, passives: 0, detractors: 0 },
    csat: { latest: null, count: 0, sum: 0, satisfied: 0 },
    ces: { latest: null, count: 0, sum: 0 },
    lastFeedbackAt: null,
    complaints: {},
    deliveries: { completed: 0, onTime: 0, late: 0, lastLateAt: null },
    setups: {},
    repairsBySerial: {},
    returns: { requested: 0, completed: 0, refunded: 0, lastAt: null },
    referrals: 0,
  };
}

/** The later of two dated scores (fold order is not business-time order for late records). */
function laterScore(current: ScoreAt | null, next: ScoreAt): ScoreAt {
  return current === null || ms(next.at) >= ms(current.at) ? next : current;
}

/**
 * Folds one event. Pure for the caller: the state passed in is never changed; only the objects on
 * the path an event touches are copied (the rest is shared with the previous state), so a fold
 * costs what the event changes, not the size of the customer's history.
 */
export function evolveSatisfaction(
  state: SatisfactionStateData,
  recorded: RecordedEvent,
): SatisfactionStateData {
  const event = asAftercareEvent(recorded);
  if (!event) return state;
  switch (event.type) {
    case 'FeedbackReceived': {
      const d = event.data;
      const at = d.occurredAt;
      let { nps, csat, ces } = state;
      if (d.nps !== undefined) {
        const category = npsCategory(d.nps);
        nps = {
          latest: laterScore(nps.latest, { score: d.nps, at }),
          count: nps.count + 1,
          promoters: nps.promoters + (category === 'promoter' ? 1 : 0),
          passives: nps.passives + (category === 'passive' ? 1 : 0),
          detractors: nps.detractors + (category === 'detractor' ? 1 : 0),
        };
      }
      if (d.csat !== undefined) {
        csat = {
          latest: laterScore(csat.latest, { score: d.csat, at }),
          count: csat.count + 1,
          sum: csat.sum + d.csat,
          satisfied: csat.satisfied + (d.csat >= 4 ? 1 : 0),
        };
      }
      if (d.ces !== undefined) {
        ces = {
          latest: laterScore(ces.latest, { score: d.ces, at }),
          count: ces.count + 1,
          sum: ces.sum + d.ces,
        };
      }
      return { ...state, nps, csat, ces, lastFeedbackAt: latest(state.lastFeedbackAt, at) };
    }
    case 'ComplaintFiled': {
      const d = event.data;
      return withComplaint(state, {
        complaintId: d.complaintId,
        purchaseId: d.purchaseId ?? null,
        category: d.category,
        severity: d.severity,
        filedAt: d.occurredAt,
        acknowledgedAt: null,
        resolvedAt: null,
        firstResolvedAt: null,
        open: true,
        escalations: 0,
        reopenings: 0,
        lastReopenedAt: null,
        lastEscalatedAt: null,
      });
    }
    case 'ComplaintAcknowledged': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c || c.acknowledgedAt !== null) return state;
      return withComplaint(state, { ...c, acknowledgedAt: event.data.occurredAt });
    }
    case 'ComplaintEscalated': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c) return state;
      return withComplaint(state, {
        ...c,
        escalations: c.escalations + 1,
        lastEscalatedAt: latest(c.lastEscalatedAt, event.data.occurredAt),
      });
    }
    case 'ComplaintResolved': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c) return state;
      const at = event.data.occurredAt;
      return withComplaint(state, {
        ...c,
        open: false,
        resolvedAt: at,
        firstResolvedAt: c.firstResolvedAt ?? at,
      });
    }
    case 'ComplaintReopened': {
      const c = ownComplaint(state, event.data.complaintId);
      if (!c) return state;
      const at = event.data.occurredAt;
      return withComplaint(state, {
        ...c,
        open: true,
        resolvedAt: null,
        reopenings: c.reopenings + 1,
        lastReopenedAt: latest(c.lastReopenedAt, at),
        acknowledgedAt: c.acknowledgedAt ?? at,
      });
    }
    case 'DeliveryCompleted': {
      const d = event.data;
      const deliveries = state.deliveries;
      return {
        ...state,
        deliveries: d.onTime
          ? { ...deliveries, completed: deliveries.completed + 1, onTime: deliveries.onTime + 1 }
          : {
              ...deliveries,
              completed: deliveries.completed + 1,
              late: deliveries.late + 1,
              lastLateAt: latest(deliveries.lastLateAt, d.occurredAt),
            },
      };
    }
    case 'SetupCompleted': {
      const d = event.data;
      const s = setupOf(state, d.purchaseId);
      return withSetup(state, {
        ...s,
        completedAt: d.occurredAt,
        firstVisit: d.attempt === 1 ? 'succeeded' : s.firstVisit,
      });
    }
    case 'SetupFailed': {
      const d = event.data;
      const s = setupOf(state, d.purchaseId);
      return withSetup(state, {
        ...s,
        failures: s.failures + 1,
        lastFailedAt: latest(s.lastFailedAt, d.occurredAt),
        firstVisit: d.attempt === 1 ? 'failed' : s.firstVisit,
      });
    }
    case 'RepairCompleted': {
      const d = event.data;
      const r = Object.hasOwn(state.repairsBySerial, d.serialNumber)
        ? state.repairsBySerial[d.serialNumber]
        : undefined;
      const next: SerialRepairs = r
        ? {
            ...r,
            count: r.count + 1,
            defectCodes: [...r.defectCodes, d.defectCode],
            lastAt: latest(r.lastAt, d.occurredAt),
          }
        : {
            serialNumber: d.serialNumber,
            purchaseId: d.purchaseId,
            count: 1,
            defectCodes: [d.defectCode],
            lastAt: d.occurredAt,
          };
      return { ...state, repairsBySerial: { ...state.repairsBySerial, [d.serialNumber]: next } };
    }
    case 'ReturnRequested':
      return {
        ...state,
        returns: {
          ...state.returns,
          requested: state.returns.requested + 1,
          lastAt: latest(state.returns.lastAt, event.data.occurredAt),
        },
      };
    case 'ReturnCompleted':
      return {
        ...state,
        returns: {
          ...state.returns,
          completed: state.returns.completed + 1,
          refunded: state.returns.refunded + (event.data.outcome === 'refund' ? 1 : 0),
          lastAt: latest(state.returns.lastAt, event.data.occurredAt),
        },
      };
    case 'ReferralMade':
      return { ...state, referrals: state.referrals + 1 };
    case 'CustomerRegistered':
    case 'PurchaseRecorded':
    case 'DeliveryScheduled':
    case 'MaintenancePlanSubscribed':
    case 'MaintenancePlanCancelled':
    case 'CustomerPiiErased':
    case 'WarrantyClaimFiled':
    case 'WarrantyClaimDecided':
    case 'WarrantyClaimAssessed':
    case 'WarrantyRemedyRefused':
    case 'WarrantyDecisionOverridden':
    case 'WarrantyClaimFulfilled':
    case 'WarrantyPolicyPublished':
      return state;
    default:
      return assertNever(event, 'event');
  }
}

/** A complaint of the state by id (own keys only: an id like `__proto__` is just an id). */
function ownComplaint(state: SatisfactionStateData, id: string): ComplaintRecord | undefined {
  return Object.hasOwn(state.complaints, id) ? state.complaints[id] : undefined;
}

function withComplaint(state: SatisfactionStateData, c: ComplaintRecord): SatisfactionStateData {
  return { ...state, complaints: { ...state.complaints, [c.complaintId]: c } };
}

function setupOf(state: SatisfactionStateData, purchaseId: string): SetupRecord {
  return Object.hasOwn(state.setups, purchaseId)
    ? state.setups[purchaseId]
    : { purchaseId, firstVisit: null, failures: 0, lastFailedAt: null, completedAt: null };
}

function withSetup(state: SatisfactionStateData, s: SetupRecord): SatisfactionStateData {
  return { ...state, setups: { ...state.setups, [s.purchaseId]: s } };
}

// ---------------------------------------------------------------------------------------------
// Metrics and state at a given instant (pure; "now" comes from the caller).
// ---------------------------------------------------------------------------------------------

export interface SatisfactionMetrics {
  nps: {
    latest: number | null;
    category: NpsCategory | null;
    at: string | null;
    responses: number;
  };
  csat: { mean: number | null; satisfiedShare: number | null; responses: number };
  ces: { mean: number | null; responses: number };
  complaints: {
    total: number;
    open: number;
    unacknowledged: number;
    meanHoursToAcknowledge: number | null;
    meanHoursToResolve: number | null;
    escalations: number;
    reopenings: number;
  };
  promises: {
    deliveries: number;
    deliveredOnTimeShare: number | null;
    setups: number;
    firstVisitSetupSuccessShare: number | null;
  };
  repeatRepairs: { serialNumber: string; repairs: number; defectCodes: string[] }[];
  returns: number;
}

const HOUR_MS = 3_600_000;

function mean(values: number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function round(value: number | null, digits = 2): number | null {
  if (value === null) return null;
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

export function satisfactionMetrics(state: SatisfactionStateData): SatisfactionMetrics {
  const complaints = Object.values(state.complaints);
  const acknowledged = complaints.filter((c) => c.acknowledgedAt !== null);
  const resolved = complaints.filter((c) => c.firstResolvedAt !== null);
  const firstVisits = Object.values(state.setups).filter((s) => s.firstVisit !== null);
  return {
    nps: {
      latest: state.nps.latest?.score ?? null,
      category: state.nps.latest ? npsCategory(state.nps.latest.score) : null,
      at: state.nps.latest?.at ?? null,
      responses: state.nps.count,
    },
    csat: {
      mean: round(state.csat.count ? state.csat.sum / state.csat.count : null),
      satisfiedShare: round(state.csat.count ? state.csat.satisfied / state.csat.count : null, 4),
      responses: state.csat.count,
    },
    ces: {
      mean: round(state.ces.count ? state.ces.sum / state.ces.count : null),
      responses: state.ces.count,
    },
    complaints: {
      total: complaints.length,
      open: complaints.filter((c) => c.open).length,
      unacknowledged: complaints.filter((c) => c.open && c.acknowledgedAt === null).length,
      meanHoursToAcknowledge: round(
        mean(acknowledged.map((c) => (ms(c.acknowledgedAt as string) - ms(c.filedAt)) / HOUR_MS)),
        1,
      ),
      meanHoursToResolve: round(
        mean(resolved.map((c) => (ms(c.firstResolvedAt as string) - ms(c.filedAt)) / HOUR_MS)),
        1,
      ),
      escalations: complaints.reduce((n, c) => n + c.escalations, 0),
      reopenings: complaints.reduce((n, c) => n + c.reopenings, 0),
    },
    promises: {
      deliveries: state.deliveries.completed,
      deliveredOnTimeShare: round(
        state.deliveries.completed ? state.deliveries.onTime / state.deliveries.completed : null,
        4,
      ),
      setups: firstVisits.length,
      firstVisitSetupSuccessShare: round(
        firstVisits.length
          ? firstVisits.filter((s) => s.firstVisit === 'succeeded').length / firstVisits.length
          : null,
        4,
      ),
    },
    repeatRepairs: Object.values(state.repairsBySerial)
      .filter((r) => r.count > 1)
      .map((r) => ({ serialNumber: r.serialNumber, repairs: r.count, defectCodes: r.defectCodes })),
    returns: state.returns.requested,
  };
}

export type SatisfactionLevel = 'delighted' | 'satisfied' | 'neutral' | 'at_risk' | 'dissatisfied';

/** Thresholds of the satisfaction rules, in days. */
export const SATISFACTION_RULES = {
  /** Feedback older than this no longer speaks for the customer. */
  feedbackFreshDays: 365,
  /** Service failures (late delivery, failed setup, reopened complaint) this recent count. */
  recentIssueDays: 90,
  /** A serial repaired twice within this window counts as a repeat repair. */
  repeatRepairDays: 180,
  /** An open complaint older than this is overdue (ISO 10002: timely resolution). */
  overdueComplaintDays: 30,
  /** An open complaint not acknowledged within this is a handling failure. */
  acknowledgeWithinDays: 2,
} as const;

/**
 * The satisfaction state at `now`, with the reasons that put it there. Only what happened by
 * `now` is considered, so the same state folded as of an earlier date gives the same answer.
 *
 * Rules, in order:
 * - severe signals: the latest fresh NPS is 0-4; the latest fresh CSAT is 1-2; an open complaint
 *   that is high or critical, overdue (open > 30 days) or escalated;
 * - concerns: the latest fresh NPS is 5-6 (detractor); mean CSAT below 3; an open complaint (or
 *   one unacknowledged after 2 days); a complaint reopened, a late delivery or a failed first
 *   setup in the last 90 days; a serial repaired more than once, the last within 180 days;
 * - dissatisfied: any severe signal, or two concerns or more; at_risk: one concern;
 * - otherwise, from fresh feedback: delighted when the latest NPS is 9-10 and mean CSAT (if any)
 *   is at least 4.5 (or the customer referred someone and the latest NPS is 9-10); satisfied when
 *   the latest NPS is 7-10 or mean CSAT is at least 4; neutral when there is no fresh feedback
 *   or it is lukewarm.
 */
export function satisfactionState(
  state: SatisfactionStateData,
  now: string,
): { state: SatisfactionLevel; reasons: string[] } {
  const nowMs = ms(now);
  const ageDays = (at: string): number => (nowMs - ms(at)) / DAY_MS;
  const fresh = (s: ScoreAt | null): ScoreAt | null =>
    s && ageDays(s.at) >= 0 && ageDays(s.at) <= SATISFACTION_RULES.feedbackFreshDays ? s : null;
  const recent = (at: string | null, days: number): boolean =>
    at !== null && ageDays(at) >= 0 && ageDays(at) <= days;

  const severe: string[] = [];
  const concerns: string[] = [];
  const nps = fresh(state.nps.latest);
  const csat = fresh(state.csat.latest);
  const csatMean = state.csat.count ? state.csat.sum / state.csat.count : null;

  if (nps && nps.score <= 4)
    severe.push(`latest NPS ${nps.score} (detractor) on ${nps.at.slice(0, 10)}`);
  else if (nps && nps.score <= 6)
    concerns.push(`latest NPS ${nps.score} (detractor) on ${nps.at.slice(0, 10)}`);
  if (csat && csat.score <= 2)
    severe.push(`latest CSAT ${csat.score}/5 on ${csat.at.slice(0, 10)}`);
  else if (csatMean !== null && csatMean < 3) concerns.push(`mean CSAT ${csatMean.toFixed(1)}/5`);

  for (const c of Object.values(state.complaints)) {
    if (c.open && ageDays(c.filedAt) >= 0) {
      const age = Math.floor(ageDays(c.filedAt));
      const label = `open ${c.severity} ${c.category} complaint ${c.complaintId} (${age} days)`;
      if (c.severity === 'high' || c.severity === 'critical') severe.push(label);
      else if (age > SATISFACTION_RULES.overdueComplaintDays) severe.push(`${label}, overdue`);
      else if (c.escalations > 0) severe.push(`${label}, escalated ${c.escalations}x`);
      else if (c.acknowledgedAt === null && age >= SATISFACTION_RULES.acknowledgeWithinDays) {
        concerns.push(`${label}, not acknowledged`);
      } else concerns.push(label);
    }
    if (!c.open && recent(c.lastReopenedAt, SATISFACTION_RULES.recentIssueDays)) {
      concerns.push(`complaint ${c.complaintId} was reopened`);
    }
  }
  if (recent(state.deliveries.lastLateAt, SATISFACTION_RULES.recentIssueDays)) {
    concerns.push(`late delivery on ${(state.deliveries.lastLateAt as string).slice(0, 10)}`);
  }
  for (const s of Object.values(state.setups)) {
    if (s.firstVisit === 'failed' && recent(s.lastFailedAt, SATISFACTION_RULES.recentIssueDays)) {
      concerns.push(`setup of purchase ${s.purchaseId} failed on the first visit`);
    }
  }
  for (const r of Object.values(state.repairsBySerial)) {
    if (r.count > 1 && recent(r.lastAt, SATISFACTION_RULES.repeatRepairDays)) {
      concerns.push(`serial ${r.serialNumber} repaired ${r.count} times`);
    }
  }

  if (severe.length > 0 || concerns.length >= 2) {
    return { state: 'dissatisfied', reasons: [...severe, ...concerns] };
  }
  if (concerns.length === 1) return { state: 'at_risk', reasons: concerns };

  const category = nps ? npsCategory(nps.score) : null;
  if (category === 'promoter' && (csatMean === null || csatMean >= 4.5 || state.referrals > 0)) {
    const reasons = [`latest NPS ${nps?.score} (promoter)`];
    if (csatMean !== null) reasons.push(`mean CSAT ${csatMean.toFixed(1)}/5`);
    if (state.referrals > 0) reasons.push(`${state.referrals} referral(s)`);
    return { state: 'delighted', reasons: [...reasons, 'no open issues'] };
  }
  if (category === 'promoter' || category === 'passive' || (csatMean !== null && csatMean >= 4)) {
    const reasons: string[] = [];
    if (nps) reasons.push(`latest NPS ${nps.score} (${category})`);
    if (csatMean !== null) reasons.push(`mean CSAT ${csatMean.toFixed(1)}/5`);
    return { state: 'satisfied', reasons: [...reasons, 'no open issues'] };
  }
  if (!nps && !csat) return { state: 'neutral', reasons: ['no recent feedback', 'no open issues'] };
  return {
    state: 'neutral',
    reasons: [
      csatMean !== null ? `mean CSAT ${csatMean.toFixed(1)}/5` : 'lukewarm feedback',
      'no open issues',
    ],
  };
}

export const satisfactionProjection: Projection<SatisfactionStateData> = {
  name: 'satisfaction',
  version: 1,
  filter: { categories: [CUSTOMER_STREAM_CATEGORY] },
  keyOf: customerIdOf,
  initialState: initialSatisfaction,
  evolve: evolveSatisfaction,
  columns: {
    latestNps: (s) => s.nps.latest?.score ?? null,
    openComplaints: (s) => Object.values(s.complaints).filter((c) => c.open).length,
    lastFeedbackAt: (s) => s.lastFeedbackAt,
  },
};
