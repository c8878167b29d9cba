/**
 * The BG/NBD model (Fader, Hardie & Lee 2005, "Counting Your Customers the Easy Way"): while
 * alive a customer buys at a Poisson rate lambda ~ Gamma(r, alpha); after each purchase they
 * drop out with probability p ~ Beta(a, b). Fitted by maximum likelihood on the population's
 * (x, tx, T) summary, with no penalty, as in the paper.
 */
import { hyp2f1SignedLog, logGamma, logistic } from './special-functions';
import { MaximumLikelihoodFit, fitMaximumLikelihood } from './maximum-likelihood';

// Math functions bound once: a global lookup per call is slow in some hosts (jest's sandbox).
const { log, log1p, exp, expm1, abs } = Math;

export interface BgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** Repeat purchases x, time of the last one tx, and age T, in one time unit (weeks here). */
export interface RfmObservation {
  readonly x: number;
  readonly tx: number;
  readonly T: number;
}

/** The fit; `refusal` says why it must not be used, if so (see maximum-likelihood.ts). */
export type BgNbdFit = MaximumLikelihoodFit<BgNbdParams>;

export interface BgNbdFitOptions {
  /** Start values; the default r = alpha = a = b = 1 is the customary one. */
  readonly initial?: BgNbdParams;
  readonly maxIterations?: number;
  /**
   * A horizon (weeks) the caller will predict over, checked as well as the data's own span: a
   * fit whose predictions fail there is refused too.
   */
  readonly predictionHorizon?: number;
}

/**
 * The population log-likelihood as a function of the parameters. Identical (x, tx, T) rows are
 * grouped and everything that does not depend on the parameters is computed once, so each call
 * allocates nothing and costs one exp and one log1p per distinct row with repeat purchases.
 */
export function compileBgNbdLogLikelihood(
  data: readonly RfmObservation[],
): (params: BgNbdParams) => number {
  const groups = new Map<string, number>();
  const xs: number[] = [];
  const txs: number[] = [];
  const Ts: number[] = [];
  const weights: number[] = [];
  for (const c of data) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    const g = groups.get(key);
    if (g !== undefined) {
      weights[g]++;
      continue;
    }
    groups.set(key, xs.length);
    xs.push(c.x);
    txs.push(c.tx);
    Ts.push(c.T);
    weights.push(1);
  }
  const n = xs.length;
  // Frequencies and times repeat a lot (times are whole days), so the terms that depend on them
  // and on the parameters are computed once per distinct value and looked up per row.
  const freqs = distinctIndex(xs);
  const ages = distinctIndex(Ts);
  const lasts = distinctIndex(txs);
  const x = Float64Array.from(xs);
  const w = Float64Array.from(weights);
  // Per distinct frequency: lnG(r+x) - lnG(r) + lnG(b+x) - lnG(b) - lnG(a+b+x) + lnG(a+b), and
  // ln(a) - ln(b+x-1) for the "dropped out after the last purchase" branch.
  const gammaTerms = new Float64Array(freqs.values.length);
  const dropTerms = new Float64Array(freqs.values.length);
  const logAlphaT = new Float64Array(ages.values.length);
  const logAlphaTx = new Float64Array(lasts.values.length);

  return ({ r, alpha, a, b }: BgNbdParams): number => {
    if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return -Infinity;
    const lgR = logGamma(r);
    const lgB = logGamma(b);
    const lgAB = logGamma(a + b);
    const logA = log(a);
    for (let k = 0; k < freqs.values.length; k++) {
      const f = freqs.values[k];
      gammaTerms[k] = logGamma(r + f) - lgR + logGamma(b + f) - lgB - logGamma(a + b + f) + lgAB;
      dropTerms[k] = f > 0 ? logA - log(b + f - 1) : -Infinity;
    }
    for (let k = 0; k < ages.values.length; k++) logAlphaT[k] = log(alpha + ages.values[k]);
    for (let k = 0; k < lasts.values.length; k++) logAlphaTx[k] = log(alpha + lasts.values[k]);
    const rLogAlpha = r * log(alpha);
    let total = 0;
    for (let i = 0; i < n; i++) {
      const k = freqs.index[i];
      const rx = r + x[i];
      const alive = -rx * logAlphaT[ages.index[i]];
      let term = alive;
      if (x[i] > 0) {
        // ln(e^alive + e^dropped), both terms finite here.
        const dropped = dropTerms[k] - rx * logAlphaTx[lasts.index[i]];
        term =
          alive > dropped
            ? alive + log1p(exp(dropped - alive))
            : dropped + log1p(exp(alive - dropped));
      }
      total += w[i] * (gammaTerms[k] + rLogAlpha + term);
    }
    return total;
  };
}

/** The distinct values of a column and, per row, the position of its value among them. */
function distinctIndex(column: readonly number[]): { values: Float64Array; index: Int32Array } {
  const positions = new Map<number, number>();
  const values: number[] = [];
  const index = new Int32Array(column.length);
  for (let i = 0; i < column.length; i++) {
    let k = positions.get(column[i]);
    if (k === undefined) {
      k = values.length;
      positions.set(column[i], k);
      values.push(column[i]);
    }
    index[i] = k;
  }
  return { values: Float64Array.from(values), index };
}

export function bgNbdLogLikelihood(params: BgNbdParams, data: readonly RfmObservation[]): number {
  return compileBgNbdLogLikelihood(data)(params);
}

/** Maximum likelihood over log-parameters with Nelder-Mead, checked (maximum-likelihood.ts). */
export function fitBgNbd(data: readonly RfmObservation[], options: BgNbdFitOptions = {}): BgNbdFit {
  if (data.length === 0) throw new RangeError('BG/NBD needs at least one customer');
  return fitMaximumLikelihood({
    model: 'BG/NBD',
    logLikelihood: compileBgNbdLogLikelihood(data),
    start: options.initial ?? { r: 1, alpha: 1, a: 1, b: 1 },
    population: data.length,
    maxIterations: options.maxIterations,
    check: (params) =>
      unpredictable(
        data,
        (c, horizon) => [
          bgNbdProbabilityAlive(params, c),
          bgNbdConditionalExpectedTransactions(params, c, horizon),
        ],
        options.predictionHorizon,
      ),
  });
}

/**
 * Whether a fitted purchase model predicts a finite, non-negative figure for every distinct
 * customer of its data over a horizon as long as the data (and over `alsoOver` weeks, when the
 * caller will predict that far): the reason if not.
 */
export function unpredictable(
  data: readonly RfmObservation[],
  predict: (c: RfmObservation, horizon: number) => readonly number[],
  alsoOver?: number,
): string | undefined {
  const span = data.reduce((longest, c) => Math.max(longest, c.T), 1);
  const horizons = alsoOver === undefined || alsoOver === span ? [span] : [span, alsoOver];
  const seen = new Set<string>();
  for (const c of data) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    if (seen.has(key)) continue;
    seen.add(key);
    for (const horizon of horizons) {
      const figures = predict(c, horizon);
      if (!figures.every((v) => Number.isFinite(v) && v >= 0)) {
        return `its predictions over ${Math.round(horizon)} weeks are not finite for x = ${c.x}, tx = ${c.tx}, T = ${c.T} (${figures.join(', ')})`;
      }
    }
  }
  return undefined;
}

/**
 * ln of the odds that a customer with purchases has dropped out rather than being alive:
 * ln[a / (b + x - 1)] + (r + x) ln[(alpha + T) / (alpha + tx)].
 */
function logDropOdds({ r, alpha, a, b }: BgNbdParams, c: RfmObservation): number {
  return log(a / (b + c.x - 1)) + (r + c.x) * log((alpha + c.T) / (alpha + c.tx));
}

/** P(alive at T | x, tx, T); 1 for a customer without repeat purchases (they cannot have dropped). */
export function bgNbdProbabilityAlive(params: BgNbdParams, c: RfmObservation): number {
  return c.x > 0 ? logistic(-logDropOdds(params, c)) : 1;
}

/**
 * E[Y(t) | x, tx, T]: expected purchases in (T, T + t] (paper, eq. 10):
 *
 *   (a + b + x - 1) / (a - 1) * [1 - F] / (1 + [x > 0] a / (b + x - 1) ((alpha+T)/(alpha+tx))^(r+x)),
 *   F = (1 - z)^(r+x) 2F1(r+x, b+x; a+b+x-1; z),   z = t / (alpha + T + t).
 *
 * F is evaluated in log space (so 1 - F = -expm1(ln F) keeps its digits when F is near 1) in
 * whichever of two equal forms has a series that converges at z = 1: the one above when
 * a - 1 >= r + x, otherwise Euler's transformation (1 - z)^(a-1) 2F1(a+b-1-r, a-1; a+b+x-1; z).
 * Choosing by parameter range matters: for large a the Euler form multiplies an underflowing
 * power by an overflowing series (NaN), for large x the direct form overflows instead.
 * At a = 1 exactly, where the expression is 0/0, the mean of its values at 1 +- 1e-6 is used.
 */
export function bgNbdConditionalExpectedTransactions(
  params: BgNbdParams,
  c: RfmObservation,
  t: number,
): number {
  if (t <= 0) return 0;
  const { r, alpha, a, b } = params;
  if (abs(a - 1) < 1e-9) {
    const below = bgNbdConditionalExpectedTransactions({ ...params, a: 1 - 1e-6 }, c, t);
    const above = bgNbdConditionalExpectedTransactions({ ...params, a: 1 + 1e-6 }, c, t);
    return (below + above) / 2;
  }
  const c2 = a + b + c.x - 1;
  const z = t / (alpha + c.T + t);
  const logOneMinusZ = log1p(-z);
  // With a + b + x < 1 the third parameter is negative and F may be too: carry its sign.
  const F =
    a - 1 >= r + c.x
      ? hyp2f1SignedLog(r + c.x, b + c.x, c2, z)
      : hyp2f1SignedLog(a + b - 1 - r, a - 1, c2, z);
  const logF = F.log + (a - 1 >= r + c.x ? r + c.x : a - 1) * logOneMinusZ;
  const oneMinusF = F.sign > 0 ? -expm1(logF) : 1 + F.sign * -exp(logF);
  const expectedIfAlive = (c2 / (a - 1)) * oneMinusF;
  return expectedIfAlive * bgNbdProbabilityAlive(params, c);
}

/** E[X(t)]: expected purchases in (0, t] of a customer who made a first purchase at 0 (eq. 9). */
export function bgNbdExpectedTransactions(params: BgNbdParams, t: number): number {
  return bgNbdConditionalExpectedTransactions(params, { x: 0, tx: 0, T: 0 }, t);
}
