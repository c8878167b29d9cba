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
  EXPERIENCE_FACTORS,
  type ExperienceFactorName,
  experienceFactorValues,
  type OutcomeLabel,
  type ServiceExperience,
} from './churn';
import type { RfmObservation } from './bg-nbd';
import {
  fitMbgNbd,
  type MbgNbdParams,
  mbgNbdProbabilityNoPurchase,
} from './churn-purchase-process';
import { logistic, logit } from './special-functions';

/** L2 penalty on every weight: a N(0, 0.5^2) prior, lambda = 1 / 0.5^2. */
export const CHURN_WEIGHT_PENALTY = 4;
/** A weight is used only when its estimate is at least this many standard errors above 0. */
export const CHURN_WEIGHT_SIGNIFICANCE_Z = 1.96;
/** Fewer training customers than this (or no customer in one class): no weights are learned. */
export const CHURN_WEIGHT_MIN_CUSTOMERS = 100;

export interface PenalizedLogisticOptions {
  /** L2 penalty on the coefficients (not the intercept), on the summed log-likelihood. */
  penalty: number;
  maxIterations?: number;
  /** Stop when the largest Newton step is below this (default 1e-9). */
  tolerance?: number;
}

export interface PenalizedLogisticFit {
  intercept: number;
  interceptStandardError: number;
  coefficients: number[];
  /** sqrt of the diagonal of the inverse penalised Hessian (posterior s.d. under the prior). */
  standardErrors: number[];
  /** Unpenalised log-likelihood at the estimate. */
  logLikelihood: number;
  iterations: number;
  converged: boolean;
}

/**
 * logit P(y = 1) = offset + intercept + sum_k beta_k x_k, maximising
 * log L - penalty/2 * sum_k beta_k^2 by Newton-Raphson (IRLS) with step halving.
 */
export function fitPenalizedLogistic(
  rows: readonly (readonly number[])[],
  labels: readonly OutcomeLabel[],
  offsets: readonly number[],
  options: PenalizedLogisticOptions,
): PenalizedLogisticFit {
  const n = rows.length;
  if (labels.length !== n || offsets.length !== n) {
    throw new RangeError('rows, labels and offsets differ in length');
  }
  if (n === 0) throw new RangeError('penalised logistic regression needs data');
  const k = rows[0].length;
  const dim = k + 1;
  const maxIterations = options.maxIterations ?? 100;
  const tolerance = options.tolerance ?? 1e-9;
  const lambda = options.penalty;
  const beta = new Array<number>(dim).fill(0); // [intercept, ...coefficients]
  const design = (i: number, j: number): number => (j === 0 ? 1 : rows[i][j - 1]);

  const objective = (b: readonly number[]): { penalised: number; logLikelihood: number } => {
    let ll = 0;
    for (let i = 0; i < n; i++) {
      let eta = offsets[i] + b[0];
      for (let j = 1; j < dim; j++) eta += b[j] * rows[i][j - 1];
      // log P(y | eta) = y eta - log(1 + e^eta), computed stably
      const softplus = eta > 0 ? eta + Math.log1p(Math.exp(-eta)) : Math.log1p(Math.exp(eta));
      ll += (labels[i] ? eta : 0) - softplus;
    }
    let pen = 0;
    for (let j = 1; j < dim; j++) pen += b[j] * b[j];
    return { penalised: ll - (lambda / 2) * pen, logLikelihood: ll };
  };

  const information = (b: readonly number[]): { gradient: number[]; hessian: number[][] } => {
    const gradient = new Array<number>(dim).fill(0);
    const hessian = Array.from({ length: dim }, () => new Array<number>(dim).fill(0));
    for (let i = 0; i < n; i++) {
      let eta = offsets[i] + b[0];
      for (let j = 1; j < dim; j++) eta += b[j] * rows[i][j - 1];
      const p = logistic(eta);
      const residual = (labels[i] ? 1 : 0) - p;
      const w = p * (1 - p);
      for (let j = 0; j < dim; j++) {
        const xj = design(i, j);
        if (xj === 0) continue;
        gradient[j] += residual * xj;
        for (let l = 0; l <= j; l++) hessian[j][l] += w * xj * design(i, l);
      }
    }
    for (let j = 0; j < dim; j++) for (let l = 0; l < j; l++) hessian[l][j] = hessian[j][l];
    for (let j = 1; j < dim; j++) {
      gradient[j] -= lambda * b[j];
      hessian[j][j] += lambda;
    }
    return { gradient, hessian };
  };

  let current = objective(beta);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const { gradient, hessian } = information(beta);
    const step = solveSymmetric(hessian, gradient);
    let scale = 1;
    let next = beta.map((v, j) => v + step[j]);
    let value = objective(next);
    while (value.penalised < current.penalised - 1e-12 && scale > 1e-6) {
      scale /= 2;
      next = beta.map((v, j) => v + scale * step[j]);
      value = objective(next);
    }
    const largest = Math.max(...step.map((s) => Math.abs(s * scale)));
    for (let j = 0; j < dim; j++) beta[j] = next[j];
    current = value;
    if (largest < tolerance) {
      converged = true;
      break;
    }
  }
  const covariance = invertSymmetric(information(beta).hessian);
  const se = covariance.map((row, j) => Math.sqrt(Math.max(0, row[j])));
  return {
    intercept: beta[0],
    interceptStandardError: se[0],
    coefficients: beta.slice(1),
    standardErrors: se.slice(1),
    logLikelihood: current.logLikelihood,
    iterations,
    converged,
  };
}

/** Cholesky factor L (lower) of a symmetric positive definite matrix. */
function cholesky(a: readonly (readonly number[])[]): number[][] {
  const n = a.length;
  const l = Array.from({ length: n }, () => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i][j];
      for (let k = 0; k < j; k++) sum -= l[i][k] * l[j][k];
      if (i === j) {
        if (!(sum > 0)) throw new RangeError('matrix is not positive definite');
        l[i][i] = Math.sqrt(sum);
      } else l[i][j] = sum / l[j][j];
    }
  }
  return l;
}

function choleskySolve(l: readonly (readonly number[])[], b: readonly number[]): number[] {
  const n = l.length;
  const y = new Array<number>(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i];
    for (let k = 0; k < i; k++) sum -= l[i][k] * y[k];
    y[i] = sum / l[i][i];
  }
  const x = new Array<number>(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i];
    for (let k = i + 1; k < n; k++) sum -= l[k][i] * x[k];
    x[i] = sum / l[i][i];
  }
  return x;
}

function solveSymmetric(a: readonly (readonly number[])[], b: readonly number[]): number[] {
  return choleskySolve(cholesky(a), b);
}

function invertSymmetric(a: readonly (readonly number[])[]): number[][] {
  const l = cholesky(a);
  return a.map((_, j) =>
    choleskySolve(
      l,
      a.map((__, i) => (i === j ? 1 : 0)),
    ),
  );
}

/** One buyer by the training cut-off. */
export interface ChurnTrainingExample {
  /** (x, tx, T) at the training cut-off, in weeks. */
  readonly rfm: RfmObservation;
  /** Experience at the training cut-off (churnExperience in @aftercare/projections). */
  readonly experience: ServiceExperience;
  /** Whether the customer made no purchase in (training cut-off, training cut-off + H]. */
  readonly noPurchaseInHorizon: boolean;
}

export interface LearnedChurnWeights {
  /** The weights scoring uses: the estimates at least 1.96 s.e. above 0, the others 0. */
  weights: Record<ExperienceFactorName, number>;
  /** The penalised estimates before the significance rule. */
  estimates: Record<ExperienceFactorName, number>;
  standardErrors: Record<ExperienceFactorName, number>;
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
  const mbg = fitMbgNbd(examples.map((e) => e.rfm));
  const offsets = examples.map((e) => {
    const p = mbgNbdProbabilityNoPurchase(mbg.params, e.rfm, options.horizonWeeks);
    return logit(Math.min(1 - OFFSET_FLOOR, Math.max(OFFSET_FLOOR, p)));
  });
  const rows = examples.map((e) => {
    const values = experienceFactorValues(e.experience);
    return EXPERIENCE_FACTORS.map((name) => values[name]);
  });
  const fit = fitPenalizedLogistic(
    rows,
    examples.map((e) => e.noPurchaseInHorizon),
    offsets,
    { penalty },
  );
  const record = (values: number[]): Record<ExperienceFactorName, number> =>
    Object.fromEntries(EXPERIENCE_FACTORS.map((name, j) => [name, values[j]])) as Record<
      ExperienceFactorName,
      number
    >;
  return {
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
