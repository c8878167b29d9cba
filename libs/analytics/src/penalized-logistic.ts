/**
 * Penalised logistic regression with an offset, fitted by Newton-Raphson (IRLS) with step
 * halving; standard errors from the inverse penalised Hessian. Used to learn the churn experience
 * weights (churn-weights.ts) and to choose their structure (churn-structure.ts).
 */
import type { OutcomeLabel } from './churn';
import { logistic } from './special-functions';

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
