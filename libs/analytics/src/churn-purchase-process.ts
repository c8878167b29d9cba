/**
 * The purchase-process side of churn risk: the MBG/NBD model (Batislam, Denizel & Filiztekin
 * 2007, "Empirical validation and comparison of models for customer base analysis", IJRM 24; the
 * same idea as Hoppe & Wagner's 2007 CBG/NBD). It is the BG/NBD of Fader, Hardie & Lee (2005) with
 * one change the literature made for exactly the reason churn needs it: a customer may also drop
 * out right after the first purchase. The BG/NBD lets dropout happen only after a repeat purchase,
 * so anyone who bought once is "certainly alive" (P(alive) = 1) however long ago that was; as a
 * churn score that ranks every one-time buyer as the safest customer of all.
 *
 * While alive a customer buys at a Poisson rate lambda ~ Gamma(r, alpha); right after the first
 * purchase and after each repeat purchase they drop out with probability p ~ Beta(a, b).
 *
 * Churn is a statement about a horizon H ("gone within the next H weeks"), so besides P(alive at
 * T) the model gives the probability of surviving (T, T + H] given alive at T: dropout then comes
 * at rate lambda * p (each of Poisson(lambda H) purchases ends the relationship with chance p), so
 *
 *   S(H) = E[exp(-lambda p H) | alive at T] = 2F1(r + x, a; a + b + x + 1; -H / (alpha + T)),
 *
 * with lambda ~ Gamma(r + x, alpha + T) and p ~ Beta(a, b + x + 1), the posteriors given alive.
 * Times are in weeks, as in the RFM summary. No parameter here is set by hand: all four are fitted
 * by maximum likelihood on the calibration period's (x, tx, T) alone.
 */
import { type RfmObservation, unpredictable } from './bg-nbd';
import { MaximumLikelihoodFit, fitMaximumLikelihood } from './maximum-likelihood';
import { hyp2f1, logBeta, logGamma, logistic } from './special-functions';

const { log, log1p, exp } = Math;

export interface MbgNbdParams {
  readonly r: number;
  readonly alpha: number;
  readonly a: number;
  readonly b: number;
}

/** The fit; `refusal` says why it must not be used, if so (see maximum-likelihood.ts). */
export type MbgNbdFit = MaximumLikelihoodFit<MbgNbdParams>;

/**
 * ln L per customer:
 *   lnG(r+x) - lnG(r) + r ln(alpha) + lnB(a, b+x+1) - lnB(a, b) - (r+x) ln(alpha+T)
 *   + ln[1 + a/(b+x) ((alpha+T)/(alpha+tx))^(r+x)]
 * (alive at T, or dropped right after the purchase at tx; tx = 0 when x = 0).
 */
export function compileMbgNbdLogLikelihood(
  data: readonly RfmObservation[],
): (params: MbgNbdParams) => number {
  const groups = new Map<string, { x: number; tx: number; T: number; w: number }>();
  for (const c of data) {
    const key = `${c.x}|${c.tx}|${c.T}`;
    const g = groups.get(key);
    if (g) g.w++;
    else groups.set(key, { x: c.x, tx: c.tx, T: c.T, w: 1 });
  }
  const rows = [...groups.values()];
  return ({ r, alpha, a, b }: MbgNbdParams): number => {
    if (!(r > 0 && alpha > 0 && a > 0 && b > 0)) return -Infinity;
    const constant = -logGamma(r) + r * log(alpha) - logBeta(a, b);
    const byFrequency = new Map<number, number>();
    let total = 0;
    for (const { x, tx, T, w } of rows) {
      let f = byFrequency.get(x);
      if (f === undefined) {
        f = logGamma(r + x) + logBeta(a, b + x + 1);
        byFrequency.set(x, f);
      }
      const logOdds = log(a / (b + x)) + (r + x) * log((alpha + T) / (alpha + tx));
      const mix = logOdds > 0 ? logOdds + log1p(exp(-logOdds)) : log1p(exp(logOdds));
      total += w * (constant + f - (r + x) * log(alpha + T) + mix);
    }
    return total;
  };
}

/** Maximum likelihood from r = alpha = a = b = 1, checked like the BG/NBD's (maximum-likelihood.ts). */
export function fitMbgNbd(data: readonly RfmObservation[]): MbgNbdFit {
  if (data.length === 0) throw new RangeError('MBG/NBD needs at least one customer');
  return fitMaximumLikelihood({
    model: 'MBG/NBD',
    logLikelihood: compileMbgNbdLogLikelihood(data),
    start: { r: 1, alpha: 1, a: 1, b: 1 },
    population: data.length,
    check: (params) =>
      unpredictable(data, (c, horizon) => {
        const risk = purchaseProcessRisk(params, c, horizon);
        return [risk.pAliveNow, risk.survival];
      }),
  });
}

/** P(alive at T | x, tx, T) = 1 / (1 + a/(b+x) ((alpha+T)/(alpha+tx))^(r+x)), for every x. */
export function mbgNbdProbabilityAlive(params: MbgNbdParams, c: RfmObservation): number {
  const { r, alpha, a, b } = params;
  return logistic(-(log(a / (b + c.x)) + (r + c.x) * log((alpha + c.T) / (alpha + c.tx))));
}

/** P(still alive at T + H | alive at T, x, T): see the file comment. 1 for H <= 0. */
export function mbgNbdSurvival(params: MbgNbdParams, c: RfmObservation, H: number): number {
  if (H <= 0) return 1;
  const { r, alpha, a, b } = params;
  const s = r + c.x;
  const z = H / (alpha + c.T);
  // With a + b this large, p is a point mass for all purposes (its posterior standard deviation
  // is below 1% of its mean) and the series would need millions of terms: use the mean.
  if (a + b > DEGENERATE_BETA) return Math.pow(1 + (a / (a + b + c.x + 1)) * z, -s);
  return hyp2f1(s, a, a + b + c.x + 1, -z);
}

const DEGENERATE_BETA = 1e4;

export interface PurchaseProcessRisk {
  /** P(alive at the scoring time T). */
  readonly pAliveNow: number;
  /** P(alive at T + H | alive at T). */
  readonly survival: number;
  /** P(alive at T + H) = pAliveNow * survival: the probability alive at the horizon. */
  readonly pAliveAtHorizon: number;
}

export function purchaseProcessRisk(
  params: MbgNbdParams,
  c: RfmObservation,
  horizonWeeks: number,
): PurchaseProcessRisk {
  const pAliveNow = mbgNbdProbabilityAlive(params, c);
  const survival = mbgNbdSurvival(params, c, horizonWeeks);
  return { pAliveNow, survival, pAliveAtHorizon: pAliveNow * survival };
}

/**
 * P(no purchase in (T, T + H] | x, tx, T): the observable counterpart of churn, the label the
 * experience weights are learned on (churn-weights.ts). Given alive at T the customer buys at
 * rate lambda ~ Gamma(r + x, alpha + T) and the first purchase after T happens whatever p is
 * (dropout comes only at a purchase), so
 *
 *   P(none | data) = 1 - P(alive at T) (1 - ((alpha + T) / (alpha + T + H))^(r + x)).
 */
export function mbgNbdProbabilityNoPurchase(
  params: MbgNbdParams,
  c: RfmObservation,
  H: number,
): number {
  if (H <= 0) return 1;
  const { r, alpha } = params;
  const buys = -Math.expm1((r + c.x) * log((alpha + c.T) / (alpha + c.T + H)));
  return 1 - mbgNbdProbabilityAlive(params, c) * buys;
}
