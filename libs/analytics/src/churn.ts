/**
 * Churn risk: the purchase process (the probability of being alive at the horizon, from the
 * MBG/NBD in churn-purchase-process.ts when the caller has it, else any probability alive) joined
 * with service experience in a logistic score:
 *
 *   logit P(churn) = logit(1 - pAlive) + sum_f weight_f * value_f
 *
 * With no service issues the score is exactly 1 - pAlive; every factor moves it on the log-odds
 * scale, as an independent piece of evidence would in a logistic model. The weights are either
 * the a-priori CHURN_WEIGHTS (docs/churn.md), or learned from the store's own history by
 * learnChurnWeights (churn-weights.ts: a backtest one horizon back, never the outcomes being
 * scored), passed as `weights`.
 *
 * Recency: every experience value except the open complaints is a recency-weighted count, each
 * event counting 1 while it is at most 180 days old and half as much for every further 180 days
 * (computed by the caller, see churnExperience in @aftercare/projections). What is still open
 * counts fully whatever its age: an unresolved complaint is a present grievance. Counts are
 * capped so one noisy history cannot dominate.
 */
import {
  type IncidentAges,
  POOLED_INCIDENTS_CAP,
  SEPARATE_INCIDENT_FACTOR_NAMES,
  SEPARATE_INCIDENT_FACTORS,
  SEPARATE_INCIDENTS_CAP,
  type SeparateIncidentFactorName,
  decayedIncidentCount,
  pooledIncidentCount,
} from './churn-incidents';
import { logistic, logit } from './special-functions';

export interface ServiceExperience {
  /** Age in days of each complaint still open at scoring time. */
  readonly openComplaintAgesDays?: readonly number[];
  /** Resolved complaints, recency-weighted. */
  readonly resolvedComplaints?: number;
  /** Latest NPS answer (0-10), if any. */
  readonly latestNps?: number | null;
  /** Recency weight of the latest NPS answer, in [0, 1] (default 1). */
  readonly latestNpsWeight?: number;
  /** Failed setup visits, recency-weighted. */
  readonly failedSetups?: number;
  /** Late deliveries, recency-weighted. */
  readonly lateDeliveries?: number;
  /** Serials repaired more than once, recency-weighted by their latest repair. */
  readonly repeatRepairSerials?: number;
  /** Returns, recency-weighted. */
  readonly returns?: number;
  /** Rejected warranty claims, recency-weighted. */
  readonly warrantyRejections?: number;
  /** Promises to the customer found broken, recency-weighted. */
  readonly brokenPromises?: number;
  /** Follow-ups a playbook planned that went past their due time undone, recency-weighted. */
  readonly missedFollowUps?: number;
  /**
   * Every bad incident the store holds, by kind, as ages in days at scoring time (churn-incidents.ts):
   * read by the pooled count (`incidents`) and the separate incident factors.
   */
  readonly incidentAgesDays?: IncidentAges;
}

export interface ChurnInput {
  /**
   * Probability that the customer is alive: preferably at the churn horizon (MBG/NBD
   * P(alive at T + H)); the BG/NBD probability alive now is accepted too.
   */
  readonly pAlive: number;
  readonly experience: ServiceExperience;
  /**
   * Weights of the experience factors (log-odds per unit), e.g. learned from the store's own
   * history by learnChurnWeights (churn-weights.ts). Default: the a-priori CHURN_WEIGHTS. A factor
   * missing here falls back to 0 when weights are given. The purchase process always weighs 1.
   */
  readonly weights?: Readonly<Partial<Record<ExperienceFactorName, number>>>;
  /** Which factors are read (default: the base factors, BASE_FACTORS). */
  readonly structure?: ChurnFactorStructure;
}

export type ChurnFactorName =
  | 'purchaseProcess'
  | 'openComplaints'
  | 'openComplaintAge'
  | 'resolvedComplaints'
  | 'detractor'
  | 'failedSetups'
  | 'lateDeliveries'
  | 'repeatRepairs'
  | 'returns'
  | 'warrantyRejections'
  | 'brokenPromises'
  | 'missedFollowUps'
  | 'incidents'
  | SeparateIncidentFactorName;

/** The service-experience factors: every factor but the purchase process. */
export type ExperienceFactorName = Exclude<ChurnFactorName, 'purchaseProcess'>;

/** The base experience factors (the nine of the first model, broken promises and missed follow-ups): the default structure. */
export const EXPERIENCE_FACTORS: readonly ExperienceFactorName[] = [
  'openComplaints',
  'openComplaintAge',
  'resolvedComplaints',
  'detractor',
  'failedSetups',
  'lateDeliveries',
  'repeatRepairs',
  'returns',
  'warrantyRejections',
  'brokenPromises',
  'missedFollowUps',
];

/** Every experience factor: the base ones, the pooled incident count and the separate incident kinds. */
export const ALL_EXPERIENCE_FACTORS: readonly ExperienceFactorName[] = [
  ...EXPERIENCE_FACTORS,
  'incidents',
  ...SEPARATE_INCIDENT_FACTOR_NAMES,
];

/**
 * Which experience factors a score reads, and the half-life of the incident counts (the pooled
 * count and the separate ones). Chosen from the store's own history by learnChurnWeights
 * (churn-structure.ts); recorded with the learned weights.
 */
export interface ChurnFactorStructure {
  /** e.g. 'factors', 'pooled/180d', 'factors+pooled/180d', 'separate/180d', 'none'. */
  readonly name: string;
  readonly factors: readonly ExperienceFactorName[];
  readonly incidentHalfLifeDays: number;
}

/** Default incident half-life: the recency weighting's 180 days. */
export const DEFAULT_INCIDENT_HALF_LIFE_DAYS = 180;

/** The structure of the first model and of fits recorded before structures were chosen. */
export const BASE_FACTORS: ChurnFactorStructure = {
  name: 'factors',
  factors: EXPERIENCE_FACTORS,
  incidentHalfLifeDays: DEFAULT_INCIDENT_HALF_LIFE_DAYS,
};

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

/**
 * Log-odds weights per unit of each factor's value, a priori (docs/churn.md gives the sources).
 * The ordering follows the after-sales literature on defection: an unresolved complaint and a
 * detractor answer weigh most; a failed setup, a repeat repair or a rejected warranty claim next;
 * a late delivery and a resolved complaint least. Returns weigh little: most are not a grievance
 * (changed mind, wrong size), and moderate returners buy more afterwards, not less (Petersen &
 * Kumar 2009). A weight of 0.5 multiplies the odds of churning by about 1.65.
 */
export const CHURN_WEIGHTS: Readonly<Record<ChurnFactorName, number>> = {
  /** logit(1 - pAlive), clamped to [-9.2, 9.2] (pAlive within 1e-4 of 0 or 1). */
  purchaseProcess: 1,
  /** Open complaints, capped at 3. */
  openComplaints: 0.6,
  /** Age of the oldest open complaint in 30-day months, capped at 3. */
  openComplaintAge: 0.4,
  /** Resolved complaints (recency-weighted), capped at 3. */
  resolvedComplaints: 0.2,
  /** Recency weight of the latest NPS answer when it is 0-6, else 0. */
  detractor: 1,
  /** Failed setups (recency-weighted), capped at 2. */
  failedSetups: 0.5,
  /** Late deliveries (recency-weighted), capped at 3. */
  lateDeliveries: 0.25,
  /** Serials repaired more than once (recency-weighted), capped at 2. */
  repeatRepairs: 0.5,
  /** Returns (recency-weighted), capped at 3. */
  returns: 0.1,
  /** Rejected warranty claims (recency-weighted), capped at 2. */
  warrantyRejections: 0.5,
  /** Broken promises (recency-weighted), capped at 2: a service failure the customer was told of. */
  brokenPromises: 0.5,
  /** Missed follow-ups (recency-weighted), capped at 3: a call owed that never came. */
  missedFollowUps: 0.25,
  /**
   * Every bad incident, decayed with the structure's half-life, capped at 8. No a-priori weight:
   * it is read only when learned (it overlaps the base factors).
   */
  incidents: 0,
  failedDeliveries: 0,
  slowAcknowledgements: 0,
  escalations: 0,
  reopenings: 0,
  badResolutions: 0,
  defects: 0,
  paidRepairs: 0,
};

/** Bands by probability: low below 0.3, medium below 0.6, high from 0.6. */
export const CHURN_BANDS = { medium: 0.3, high: 0.6 } as const;

const P_ALIVE_FLOOR = 1e-4;

/**
 * Each experience factor's value on its documented scale (capped), as scoreChurn uses it; the
 * incident counts decay with `incidentHalfLifeDays`.
 */
export function experienceFactorValues(
  e: ServiceExperience,
  incidentHalfLifeDays: number = DEFAULT_INCIDENT_HALF_LIFE_DAYS,
): Record<ExperienceFactorName, number> {
  const ages = e.openComplaintAgesDays ?? [];
  const oldest = ages.length > 0 ? Math.max(...ages) : 0;
  const isDetractor = e.latestNps !== undefined && e.latestNps !== null && e.latestNps <= 6;
  return {
    openComplaints: cap(ages.length, 3),
    openComplaintAge: cap(Math.max(0, oldest) / 30, 3),
    resolvedComplaints: cap(e.resolvedComplaints ?? 0, 3),
    detractor: isDetractor ? cap(e.latestNpsWeight ?? 1, 1) : 0,
    failedSetups: cap(e.failedSetups ?? 0, 2),
    lateDeliveries: cap(e.lateDeliveries ?? 0, 3),
    repeatRepairs: cap(e.repeatRepairSerials ?? 0, 2),
    returns: cap(e.returns ?? 0, 3),
    warrantyRejections: cap(e.warrantyRejections ?? 0, 2),
    brokenPromises: cap(e.brokenPromises ?? 0, 2),
    missedFollowUps: cap(e.missedFollowUps ?? 0, 3),
    incidents: cap(
      pooledIncidentCount(e.incidentAgesDays, incidentHalfLifeDays),
      POOLED_INCIDENTS_CAP,
    ),
    ...(Object.fromEntries(
      SEPARATE_INCIDENT_FACTOR_NAMES.map((name) => [
        name,
        cap(
          decayedIncidentCount(
            e.incidentAgesDays?.[SEPARATE_INCIDENT_FACTORS[name]] ?? [],
            incidentHalfLifeDays,
          ),
          SEPARATE_INCIDENTS_CAP,
        ),
      ]),
    ) as Record<SeparateIncidentFactorName, number>),
  };
}

export function scoreChurn({
  pAlive,
  experience,
  weights,
  structure = BASE_FACTORS,
}: ChurnInput): ChurnScore {
  const clampedAlive = Math.min(1 - P_ALIVE_FLOOR, Math.max(P_ALIVE_FLOOR, pAlive));
  const values: Record<ChurnFactorName, number> = {
    purchaseProcess: logit(1 - clampedAlive),
    ...experienceFactorValues(experience, structure.incidentHalfLifeDays),
  };
  const weightOf = (name: ChurnFactorName): number =>
    name === 'purchaseProcess' ? 1 : weights ? (weights[name] ?? 0) : CHURN_WEIGHTS[name];
  const names: ChurnFactorName[] = ['purchaseProcess', ...structure.factors];
  const factors = names.map((name) => {
    const weight = weightOf(name);
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
