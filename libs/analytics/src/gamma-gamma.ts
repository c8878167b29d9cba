/**
 * The Gamma-Gamma model of spend (Fader, Hardie & Lee 2005, "RFM and CLV"; Fader & Hardie,
 * "The Gamma-Gamma Model of Monetary Value", 2013): each transaction's value is Gamma(p, nu) with
 * a customer-level nu ~ Gamma(q, gamma), independent of the purchase process. Fitted on the
 * customers with repeat purchases, using their number of repeat purchases x and mean repeat value.
 * Also the discounted CLV that joins it with BG/NBD, and realized value net of after-sales cost.
 */
import { logGamma } from './special-functions';
import { MaximumLikelihoodFit, fitMaximumLikelihood } from './maximum-likelihood';
import { BgNbdParams, RfmObservation, bgNbdConditionalExpectedTransactions } from './bg-nbd';

// Math functions bound once: a global lookup per call is slow in some hosts (jest's sandbox).
const { log, exp, log1p } = Math;

export interface GammaGammaParams {
  readonly p: number;
  readonly q: number;
  readonly gamma: number;
}

/** Repeat purchases x and their mean value. */
export interface SpendObservation {
  readonly x: number;
  readonly monetary: number;
}

export interface GammaGammaFit extends MaximumLikelihoodFit<GammaGammaParams> {
  /** Customers the fit used: x > 0 and a positive mean value. */
  readonly customers: number;
}

/** Customers with repeat purchases of positive mean value: the ones the model describes. */
function usable(data: readonly SpendObservation[]): SpendObservation[] {
  return data.filter((c) => c.x > 0 && c.monetary > 0);
}

/**
 * The log-likelihood of (x, mean value) over the usable customers, per customer
 *   lnG(px+q) - lnG(px) - lnG(q) + q ln(gamma) + (px-1) ln(m) + px ln(x) - (px+q) ln(gamma + x m).
 * Parameter-free terms are precomputed; each call allocates nothing.
 */
export function compileGammaGammaLogLikelihood(
  data: readonly SpendObservation[],
): (params: GammaGammaParams) => number {
  const rows = usable(data);
  const distinct = [...new Set(rows.map((c) => c.x))].sort((u, v) => u - v);
  const xIndex = new Map(distinct.map((x, i) => [x, i]));
  const freq = Float64Array.from(distinct);
  const xi = Int32Array.from(rows, (c) => xIndex.get(c.x) ?? 0);
  const x = Float64Array.from(rows, (c) => c.x);
  const logM = Float64Array.from(rows, (c) => log(c.monetary));
  const logX = Float64Array.from(rows, (c) => log(c.x));
  const total = Float64Array.from(rows, (c) => c.x * c.monetary);
  const gammaTerms = new Float64Array(freq.length);

  return ({ p, q, gamma }: GammaGammaParams): number => {
    if (!(p > 0 && q > 0 && gamma > 0)) return -Infinity;
    const lgQ = logGamma(q);
    for (let k = 0; k < freq.length; k++) {
      const px = p * freq[k];
      gammaTerms[k] = logGamma(px + q) - logGamma(px) - lgQ;
    }
    const qLogGamma = q * log(gamma);
    let sum = 0;
    for (let i = 0; i < x.length; i++) {
      const px = p * x[i];
      sum +=
        gammaTerms[xi[i]] +
        qLogGamma +
        (px - 1) * logM[i] +
        px * logX[i] -
        (px + q) * log(gamma + total[i]);
    }
    return sum;
  };
}

export function gammaGammaLogLikelihood(
  params: GammaGammaParams,
  data: readonly SpendObservation[],
): number {
  return compileGammaGammaLogLikelihood(data)(params);
}

/**
 * Maximum likelihood over log-parameters from p = q = gamma = 1, no penalty, checked
 * (maximum-likelihood.ts); a fit with q <= 1 is refused, its mean order value being infinite.
 */
export function fitGammaGamma(
  data: readonly SpendObservation[],
  options: { readonly initial?: GammaGammaParams; readonly maxIterations?: number } = {},
): GammaGammaFit {
  const rows = usable(data);
  if (rows.length === 0) {
    throw new RangeError('Gamma-Gamma needs customers with repeat purchases of positive value');
  }
  const fit = fitMaximumLikelihood({
    model: 'Gamma-Gamma',
    logLikelihood: compileGammaGammaLogLikelihood(rows),
    start: options.initial ?? { p: 1, q: 1, gamma: 1 },
    population: rows.length,
    maxIterations: options.maxIterations,
    check: (params) => {
      if (!(params.q > 1)) {
        return `q = ${params.q.toPrecision(4)} <= 1, so the mean order value p gamma / (q - 1) is infinite`;
      }
      for (const c of [{ x: 0, monetary: 0 }, ...rows]) {
        const value = gammaGammaConditionalExpectedValue(params, c);
        if (!(Number.isFinite(value) && value > 0)) {
          return `its expected order value is not finite for x = ${c.x}, mean value ${c.monetary}`;
        }
      }
      return undefined;
    },
  });
  return { ...fit, customers: rows.length };
}

/**
 * E[M | x, mean value m] = (p (gamma + x m)) / (p x + q - 1): a weighted mean of the population
 * mean p gamma / (q - 1) and the customer's own mean. Customers without repeat purchases get the
 * population mean. Needs q > 1 (otherwise the mean value is infinite): a RangeError, never a
 * negative or infinite value.
 */
export function gammaGammaConditionalExpectedValue(
  { p, q, gamma }: GammaGammaParams,
  c: SpendObservation,
): number {
  if (!(q > 1)) {
    throw new RangeError(`Gamma-Gamma needs q > 1 for a finite mean order value, got q = ${q}`);
  }
  if (c.x <= 0) return (p * gamma) / (q - 1);
  return (p * (gamma + c.x * c.monetary)) / (p * c.x + q - 1);
}

export interface ClvOptions {
  /** Horizon in weeks (the unit of tx and T). */
  readonly horizonWeeks: number;
  /** Annual discount rate, e.g. 0.1 for 10 % a year; default 0 (undiscounted). */
  readonly annualDiscountRate?: number;
  /** Length of a discounting step in weeks; default 52/12 (monthly). */
  readonly stepWeeks?: number;
}

/**
 * Discounted CLV over the horizon H: with steps t_k = min(k s, H), k = 1..ceil(H / s),
 *
 *   CLV = E[M] * sum_k (E[Y(t_k) | x, tx, T] - E[Y(t_{k-1}) | x, tx, T]) / (1 + R)^(t_k / 52)
 *
 * i.e. the purchases expected in each step, valued at the expected order value and discounted
 * from the end of the step at the annual rate R. With R = 0 it is E[M] E[Y(H)].
 */
export function customerLifetimeValue(
  bgNbd: BgNbdParams,
  gammaGamma: GammaGammaParams,
  customer: RfmObservation & SpendObservation,
  options: ClvOptions,
): number {
  const value = gammaGammaConditionalExpectedValue(gammaGamma, customer);
  return value * discountedExpectedTransactions(bgNbd, customer, options);
}

/** The sum in customerLifetimeValue without the value factor. */
export function discountedExpectedTransactions(
  bgNbd: BgNbdParams,
  customer: RfmObservation,
  { horizonWeeks, annualDiscountRate = 0, stepWeeks = 52 / 12 }: ClvOptions,
): number {
  if (!(horizonWeeks > 0)) return 0;
  if (annualDiscountRate === 0) {
    return bgNbdConditionalExpectedTransactions(bgNbd, customer, horizonWeeks);
  }
  const steps = Math.ceil(horizonWeeks / stepWeeks - 1e-9);
  const logDiscount = log1p(annualDiscountRate) / 52;
  let previous = 0;
  let total = 0;
  for (let k = 1; k <= steps; k++) {
    const t = Math.min(k * stepWeeks, horizonWeeks);
    const expected = bgNbdConditionalExpectedTransactions(bgNbd, customer, t);
    total += (expected - previous) * exp(-logDiscount * t);
    previous = expected;
  }
  return total;
}

export interface AfterSalesCosts {
  /** Revenue from the customer's purchases. */
  readonly revenue: number;
  /** Repair costs the business bore (under warranty or goodwill; not repairs the customer paid). */
  readonly repairCosts: number;
  /** Refunds paid out on returns. */
  readonly refunds: number;
}

/** Realized value net of after-sales cost: revenue minus borne repair costs and refunds. */
export function realizedNetValue({ revenue, repairCosts, refunds }: AfterSalesCosts): number {
  return revenue - repairCosts - refunds;
}
