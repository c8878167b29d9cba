/**
 * Learning the experience weights of churn risk from the store's own history, by backtest.
 *
 * Churn itself (the customer has dropped out) is never observed; what the store does show is
 * whether a customer bought again. So the weights are estimated one horizon back:
 *
 * - training cut-off T0 = scoring time - H (H the churn horizon, 52 weeks by default);
 * - the purchase process (MBG/NBD) is fitted on the (x, tx, T) of every buyer by T0;
 * - each buyer's experience factors are computed at T0, exactly as at scoring time;
 * - the label is "made no purchase in (T0, T0 + H]", read from the store's PurchaseRecorded events;
 * - a logistic regression of the label on the factors, with the purchase process's own
 *   prediction of that label, logit P(no purchase in H) (mbgNbdProbabilityNoPurchase), as an
 *   offset: the weights measure only what experience adds beyond the purchase history. An
 *   intercept (not penalised) absorbs any overall miscalibration of the offset, so the factors,
 *   all non-negative, do not have to; it is reported, not used at scoring.
 *
 * The weights get an L2 penalty, lambda = 1 / 0.5^2 = 4 on the summed log-likelihood: the MAP
 * estimate under a N(0, 0.5^2) prior on every weight, chosen a priori on the scale of the
 * a-priori weights (0.1 to 1.0: a factor moving the odds by more than e^1 per unit is unlikely).
 * It is weak where the data are informative (thousands of customers) and keeps rare factors near
 * 0. Standard errors come from the inverse of the penalised Hessian at the optimum (Laplace
 * approximation of the posterior). A weight is used at scoring only when its estimate is at least
 * 1.96 standard errors above 0; otherwise it is 0. That rule is what sends the weights to 0 where
 * experience carries no information about repurchase. It is one-sided because the churn model's
 * contract is that a service factor never lowers the risk (churn.spec.ts): a factor that goes with
 * more repurchase (a return followed by a replacement purchase, a complaint that marks a recent
 * buyer) says something about purchase timing, not about staying. The first version kept
 * significant negative weights too; docs/churn.md gives the measurement that changed it. Nothing
 * here reads any outcome of the period being scored.
 */
import {
  type ChurnFactorStructure,
  type ExperienceFactorName,
  experienceFactorValues,
  type ServiceExperience,
} from './churn';
import { chooseChurnStructure, type StructureScore } from './churn-structure';
import type { RfmObservation } from './bg-nbd';
import {
  fitMbgNbd,
  type MbgNbdParams,
  mbgNbdProbabilityNoPurchase,
} from './churn-purchase-process';
import { fitPenalizedLogistic } from './penalized-logistic';
import { logit } from './special-functions';

/** L2 penalty on every weight: a N(0, 0.5^2) prior, lambda = 1 / 0.5^2. */
export const CHURN_WEIGHT_PENALTY = 4;
/** A weight is used only when its estimate is at least this many standard errors above 0. */
export const CHURN_WEIGHT_SIGNIFICANCE_Z = 1.96;
/** Fewer training customers than this (or no customer in one class): no weights are learned. */
export const CHURN_WEIGHT_MIN_CUSTOMERS = 100;

/** One buyer by the training cut-off. */
export interface ChurnTrainingExample {
  /** (x, tx, T) at the training cut-off, in weeks. */
  readonly rfm: RfmObservation;
  /** Experience at the training cut-off (churnExperience in @aftercare/projections). */
  readonly experience: ServiceExperience;
  /** Whether the customer made no purchase in (training cut-off, training cut-off + H]. */
  readonly noPurchaseInHorizon: boolean;
}

/** Per factor of the chosen structure (fits recorded before structures: the base factors). */
export type FactorRecord = Partial<Record<ExperienceFactorName, number>>;

export interface LearnedChurnWeights {
  /** The weights scoring uses: the estimates at least 1.96 s.e. above 0, the others 0. */
  weights: FactorRecord;
  /** The penalised estimates before the significance rule. */
  estimates: FactorRecord;
  standardErrors: FactorRecord;
  /**
   * The factors read, chosen by cross-validation on the training set (churn-structure.ts).
   * Absent from fits recorded before structures were chosen: the base factors (BASE_FACTORS).
   */
  structure?: ChurnFactorStructure;
  /** Every candidate structure's held-out log-likelihood (absent as `structure`). */
  structureScores?: StructureScore[];
  /** Intercept of the training fit (calibration of the offset); not used at scoring. */
  intercept: number;
  interceptStandardError: number;
  penalty: number;
  significanceZ: number;
  horizonWeeks: number;
  /** Buyers by the training cut-off, and how many of them made no purchase in the horizon. */
  customers: number;
  withoutPurchase: number;
  /** The purchase process fitted at the training cut-off (the offset's model). */
  purchaseModel: { params: MbgNbdParams; logLikelihood: number; converged: boolean };
  converged: boolean;
  iterations: number;
}

export interface LearnChurnWeightsOptions {
  horizonWeeks: number;
  penalty?: number;
  significanceZ?: number;
  /** Candidate structures (default CHURN_STRUCTURE_CANDIDATES); one candidate: no choice. */
  structures?: readonly ChurnFactorStructure[];
  /** The offset's purchase model when already fitted on these examples (else fitted here). */
  purchaseModel?: LearnedChurnWeights['purchaseModel'];
}

const OFFSET_FLOOR = 1e-4;

/**
 * Learns the experience weights on a training window (see the file comment). Returns undefined
 * when there is too little to learn from: fewer than CHURN_WEIGHT_MIN_CUSTOMERS examples, or
 * everyone (or no one) bought again; the caller then uses the a-priori weights.
 */
export function learnChurnWeights(
  examples: readonly ChurnTrainingExample[],
  options: LearnChurnWeightsOptions,
): LearnedChurnWeights | undefined {
  const withoutPurchase = examples.filter((e) => e.noPurchaseInHorizon).length;
  if (
    examples.length < CHURN_WEIGHT_MIN_CUSTOMERS ||
    withoutPurchase === 0 ||
    withoutPurchase === examples.length
  ) {
    return undefined;
  }
  const penalty = options.penalty ?? CHURN_WEIGHT_PENALTY;
  const significanceZ = options.significanceZ ?? CHURN_WEIGHT_SIGNIFICANCE_Z;
  const mbg = options.purchaseModel ?? fitMbgNbd(examples.map((e) => e.rfm));
  const offsets = examples.map((e) => {
    const p = mbgNbdProbabilityNoPurchase(mbg.params, e.rfm, options.horizonWeeks);
    return logit(Math.min(1 - OFFSET_FLOOR, Math.max(OFFSET_FLOOR, p)));
  });
  const labels = examples.map((e) => e.noPurchaseInHorizon);
  const valuesOf = (halfLifeDays: number) =>
    examples.map((e) => experienceFactorValues(e.experience, halfLifeDays));
  const { chosen, scores } =
    options.structures?.length === 1
      ? { chosen: options.structures[0], scores: undefined }
      : chooseChurnStructure(valuesOf, labels, offsets, penalty, options.structures);
  const values = valuesOf(chosen.incidentHalfLifeDays);
  const rows = values.map((v) => chosen.factors.map((name) => v[name]));
  const fit = fitPenalizedLogistic(rows, labels, offsets, { penalty });
  const record = (numbers: number[]): FactorRecord =>
    Object.fromEntries(chosen.factors.map((name, j) => [name, numbers[j]])) as FactorRecord;
  return {
    structure: chosen,
    ...(scores ? { structureScores: scores } : {}),
    weights: record(
      fit.coefficients.map((w, j) => (w >= significanceZ * fit.standardErrors[j] ? w : 0)),
    ),
    estimates: record(fit.coefficients),
    standardErrors: record(fit.standardErrors),
    intercept: fit.intercept,
    interceptStandardError: fit.interceptStandardError,
    penalty,
    significanceZ,
    horizonWeeks: options.horizonWeeks,
    customers: examples.length,
    withoutPurchase,
    purchaseModel: {
      params: mbg.params,
      logLikelihood: mbg.logLikelihood,
      converged: mbg.converged,
    },
    converged: fit.converged,
    iterations: fit.iterations,
  };
}
