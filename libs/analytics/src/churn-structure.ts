/**
 * Choosing which experience factors churn risk reads, by the store's own backtest (the training
 * set of churn-weights.ts: buyers at the training cut-off, label "no purchase in the horizon",
 * the purchase process's prediction as offset). Each candidate structure is fitted on four fifths
 * of the training customers and scored on the held-out fifth (5-fold cross-validation, folds by
 * position, so the choice is deterministic); the structure with the highest held-out
 * log-likelihood is chosen. 'none' (offset and intercept only) is a candidate: where experience
 * says nothing about repurchase, nothing is read. The candidates and the rule were fixed before
 * measuring (docs/churn.md, "Choosing the structure").
 */
import {
  type ChurnFactorStructure,
  EXPERIENCE_FACTORS,
  type ExperienceFactorName,
  type OutcomeLabel,
} from './churn';
import { SEPARATE_INCIDENT_FACTOR_NAMES } from './churn-incidents';
import { fitPenalizedLogistic } from './penalized-logistic';

/** Half-lives (days) tried for the incident counts: a quarter, half a year, a year. */
export const INCIDENT_HALF_LIVES_DAYS = [90, 180, 365] as const;

/** The candidate structures, in the order they are reported. */
export const CHURN_STRUCTURE_CANDIDATES: readonly ChurnFactorStructure[] = [
  { name: 'none', factors: [], incidentHalfLifeDays: 180 },
  { name: 'factors', factors: EXPERIENCE_FACTORS, incidentHalfLifeDays: 180 },
  ...INCIDENT_HALF_LIVES_DAYS.flatMap((h): ChurnFactorStructure[] => [
    { name: `pooled/${h}d`, factors: ['incidents'], incidentHalfLifeDays: h },
    {
      name: `factors+pooled/${h}d`,
      factors: [...EXPERIENCE_FACTORS, 'incidents'],
      incidentHalfLifeDays: h,
    },
    {
      name: `separate/${h}d`,
      factors: [...EXPERIENCE_FACTORS, ...SEPARATE_INCIDENT_FACTOR_NAMES],
      incidentHalfLifeDays: h,
    },
  ]),
];

export const CHURN_STRUCTURE_FOLDS = 5;

export interface StructureScore {
  structure: string;
  factors: number;
  /** Summed held-out log-likelihood over the folds (higher is better). */
  crossValidatedLogLikelihood: number;
  /** The same minus that of 'none' (what reading experience adds), per 1,000 customers. */
  gainPerThousand: number;
}

/**
 * Held-out log-likelihood of a penalised logistic model with offset, summed over `folds` folds
 * (customer i is in fold i mod folds).
 */
export function crossValidatedLogLikelihood(
  rows: readonly (readonly number[])[],
  labels: readonly OutcomeLabel[],
  offsets: readonly number[],
  penalty: number,
  folds: number = CHURN_STRUCTURE_FOLDS,
): number {
  let total = 0;
  for (let f = 0; f < folds; f++) {
    const train: number[] = [];
    const test: number[] = [];
    for (let i = 0; i < rows.length; i++) (i % folds === f ? test : train).push(i);
    if (test.length === 0 || train.length === 0) continue;
    const fit = fitPenalizedLogistic(
      train.map((i) => rows[i]),
      train.map((i) => labels[i]),
      train.map((i) => offsets[i]),
      { penalty },
    );
    for (const i of test) {
      let eta = offsets[i] + fit.intercept;
      for (let j = 0; j < fit.coefficients.length; j++) eta += fit.coefficients[j] * rows[i][j];
      const softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
      total += (labels[i] ? eta : 0) - softplus;
    }
  }
  return total;
}

/**
 * Scores every candidate by cross-validation and returns them with the chosen one (the highest
 * held-out log-likelihood; the earlier candidate on a tie). `valuesOf` gives each training
 * customer's factor values under a half-life.
 */
export function chooseChurnStructure(
  valuesOf: (halfLifeDays: number) => readonly Readonly<Record<ExperienceFactorName, number>>[],
  labels: readonly OutcomeLabel[],
  offsets: readonly number[],
  penalty: number,
  candidates: readonly ChurnFactorStructure[] = CHURN_STRUCTURE_CANDIDATES,
): { chosen: ChurnFactorStructure; scores: StructureScore[] } {
  const byHalfLife = new Map<number, readonly Readonly<Record<ExperienceFactorName, number>>[]>();
  const values = (h: number) => {
    let v = byHalfLife.get(h);
    if (!v) byHalfLife.set(h, (v = valuesOf(h)));
    return v;
  };
  const lls = candidates.map((s) =>
    crossValidatedLogLikelihood(
      values(s.incidentHalfLifeDays).map((v) => s.factors.map((name) => v[name])),
      labels,
      offsets,
      penalty,
    ),
  );
  const noneIndex = candidates.findIndex((s) => s.factors.length === 0);
  const reference = noneIndex >= 0 ? lls[noneIndex] : lls[0];
  let best = 0;
  for (let k = 1; k < candidates.length; k++) if (lls[k] > lls[best]) best = k;
  return {
    chosen: candidates[best],
    scores: candidates.map((s, k) => ({
      structure: s.name,
      factors: s.factors.length,
      crossValidatedLogLikelihood: lls[k],
      gainPerThousand: ((lls[k] - reference) / Math.max(1, labels.length)) * 1000,
    })),
  };
}
