/**
 * Churn risk: the purchase process (BG/NBD probability alive) joined with service experience in
 * a logistic score. The weights are set a priori from the after-sales literature's ordering of
 * what drives defection (unresolved complaints and detractor feedback weigh most; a failed setup
 * or a repeat repair next; late deliveries and returns least). They are not fitted to any data
 * set, so the score can be measured honestly (AUC, Brier) on held-out outcomes.
 *
 *   logit P(churn) = logit(1 - pAlive) + sum_f weight_f * value_f
 *
 * With no service issues the score is exactly 1 - pAlive; every factor moves it on the log-odds
 * scale. Counts are capped so one noisy history cannot dominate.
 */
import { logistic, logit } from './special-functions';

export interface ServiceExperience {
  /** Age in days of each complaint still open at scoring time. */
  readonly openComplaintAgesDays?: readonly number[];
  /** Latest NPS answer (0-10), if any. */
  readonly latestNps?: number | null;
  readonly failedSetups?: number;
  readonly lateDeliveries?: number;
  /** Serials repaired more than once. */
  readonly repeatRepairSerials?: number;
  readonly returns?: number;
  readonly warrantyRejections?: number;
}

export interface ChurnInput {
  /** BG/NBD probability that the customer is still alive. */
  readonly pAlive: number;
  readonly experience: ServiceExperience;
}

export type ChurnFactorName =
  | 'purchaseProcess'
  | 'openComplaints'
  | 'openComplaintAge'
  | 'detractor'
  | 'failedSetups'
  | 'lateDeliveries'
  | 'repeatRepairs'
  | 'returns'
  | 'warrantyRejections';

export interface ChurnFactor {
  readonly name: ChurnFactorName;
  /** The factor's value on its documented scale (see CHURN_WEIGHTS). */
  readonly value: number;
  readonly weight: number;
  /** weight * value, on the log-odds scale. */
  readonly contribution: number;
}

export type ChurnBand = 'low' | 'medium' | 'high';

export interface ChurnScore {
  readonly probability: number;
  readonly band: ChurnBand;
  readonly factors: readonly ChurnFactor[];
}

/** Log-odds weights per unit of each factor's value. */
export const CHURN_WEIGHTS: Readonly<Record<ChurnFactorName, number>> = {
  /** logit(1 - pAlive), clamped to [-9.2, 9.2] (pAlive within 1e-4 of 0 or 1). */
  purchaseProcess: 1,
  /** Open complaints, capped at 3. */
  openComplaints: 0.6,
  /** Age of the oldest open complaint in 30-day months, capped at 3. */
  openComplaintAge: 0.4,
  /** 1 when the latest NPS is 0-6, else 0. */
  detractor: 1,
  /** Failed setups, capped at 2. */
  failedSetups: 0.5,
  /** Late deliveries, capped at 3. */
  lateDeliveries: 0.25,
  /** Serials repaired more than once, capped at 2. */
  repeatRepairs: 0.5,
  /** Returns, capped at 3. */
  returns: 0.3,
  /** Rejected warranty claims, capped at 2. */
  warrantyRejections: 0.5,
};

/** Bands by probability: low below 0.3, medium below 0.6, high from 0.6. */
export const CHURN_BANDS = { medium: 0.3, high: 0.6 } as const;

const P_ALIVE_FLOOR = 1e-4;

export function scoreChurn({ pAlive, experience: e }: ChurnInput): ChurnScore {
  const clampedAlive = Math.min(1 - P_ALIVE_FLOOR, Math.max(P_ALIVE_FLOOR, pAlive));
  const ages = e.openComplaintAgesDays ?? [];
  const oldest = ages.length > 0 ? Math.max(...ages) : 0;
  const values: Record<ChurnFactorName, number> = {
    purchaseProcess: logit(1 - clampedAlive),
    openComplaints: cap(ages.length, 3),
    openComplaintAge: cap(Math.max(0, oldest) / 30, 3),
    detractor: e.latestNps !== undefined && e.latestNps !== null && e.latestNps <= 6 ? 1 : 0,
    failedSetups: cap(e.failedSetups ?? 0, 2),
    lateDeliveries: cap(e.lateDeliveries ?? 0, 3),
    repeatRepairs: cap(e.repeatRepairSerials ?? 0, 2),
    returns: cap(e.returns ?? 0, 3),
    warrantyRejections: cap(e.warrantyRejections ?? 0, 2),
  };
  const factors = (Object.keys(CHURN_WEIGHTS) as ChurnFactorName[]).map((name) => {
    const weight = CHURN_WEIGHTS[name];
    const value = values[name];
    return { name, value, weight, contribution: weight * value };
  });
  const probability = logistic(factors.reduce((sum, f) => sum + f.contribution, 0));
  return { probability, band: churnBand(probability), factors };
}

export function churnBand(probability: number): ChurnBand {
  if (probability >= CHURN_BANDS.high) return 'high';
  if (probability >= CHURN_BANDS.medium) return 'medium';
  return 'low';
}

function cap(value: number, max: number): number {
  return Math.min(Math.max(value, 0), max);
}

export type OutcomeLabel = boolean | 0 | 1;

/**
 * Area under the ROC curve by ranks (Mann-Whitney U): the probability that a random positive
 * scores above a random negative, ties counting one half. NaN when a class is missing.
 */
export function auc(scores: readonly number[], labels: readonly OutcomeLabel[]): number {
  checkLengths(scores.length, labels.length);
  const order = scores.map((_, i) => i).sort((i, j) => scores[i] - scores[j]);
  let positives = 0;
  let positiveRankSum = 0;
  for (let start = 0; start < order.length;) {
    let end = start + 1;
    while (end < order.length && scores[order[end]] === scores[order[start]]) end++;
    const averageRank = (start + 1 + end) / 2; // ranks start + 1 .. end share their mean
    for (let k = start; k < end; k++) {
      if (labels[order[k]]) {
        positives++;
        positiveRankSum += averageRank;
      }
    }
    start = end;
  }
  const negatives = scores.length - positives;
  if (positives === 0 || negatives === 0) return NaN;
  return (positiveRankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean squared difference between predicted probabilities and 0/1 outcomes. */
export function brierScore(
  probabilities: readonly number[],
  labels: readonly OutcomeLabel[],
): number {
  checkLengths(probabilities.length, labels.length);
  if (probabilities.length === 0) return NaN;
  let sum = 0;
  for (let i = 0; i < probabilities.length; i++) {
    const d = probabilities[i] - (labels[i] ? 1 : 0);
    sum += d * d;
  }
  return sum / probabilities.length;
}

function checkLengths(a: number, b: number): void {
  if (a !== b) throw new RangeError(`scores and labels differ in length (${a} vs ${b})`);
}
