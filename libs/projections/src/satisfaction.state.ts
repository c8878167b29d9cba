import { DAY_MS, ms } from './event-data';
import {
  npsCategory,
  type NpsCategory,
  type SatisfactionStateData,
  type ScoreAt,
} from './satisfaction.projection';

/**
 * What the satisfaction fold means at a given instant: metrics, and a state with the reasons that
 * put it there. Pure; "now" comes from the caller, so an as-of view is the same fold stopped at T.
 */

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
  /** Promises agents made: kept share of those settled. */
  customerPromises: { made: number; kept: number; broken: number; keptShare: number | null };
  followUps: { created: number; completed: number; missed: number };
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
    customerPromises: {
      made: state.customerPromises.made,
      kept: state.customerPromises.kept,
      broken: state.customerPromises.broken,
      keptShare: round(
        state.customerPromises.kept + state.customerPromises.broken
          ? state.customerPromises.kept /
              (state.customerPromises.kept + state.customerPromises.broken)
          : null,
        4,
      ),
    },
    followUps: {
      created: state.followUps.created,
      completed: state.followUps.completed,
      missed: state.followUps.missedAt.length,
    },
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
 *   setup in the last 90 days; a serial repaired more than once, the last within 180 days; each
 *   promise to the customer broken in the last 90 days;
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
  for (const b of state.customerPromises.brokenAt) {
    if (recent(b.at, SATISFACTION_RULES.recentIssueDays)) {
      concerns.push(`promise ${b.promiseId} broken (${b.reason}) on ${b.at.slice(0, 10)}`);
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
