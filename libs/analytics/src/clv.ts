/**
 * The whole CLV pipeline on a population summary: fit BG/NBD and Gamma-Gamma, then score every
 * customer. Time is in weeks throughout.
 */
import {
  BgNbdFit,
  fitBgNbd,
  bgNbdConditionalExpectedTransactions,
  bgNbdProbabilityAlive,
} from './bg-nbd';
import {
  ClvOptions,
  GammaGammaFit,
  discountedExpectedTransactions,
  fitGammaGamma,
  gammaGammaConditionalExpectedValue,
} from './gamma-gamma';
import { CustomerSummary } from './rfm-summary';

export interface CustomerClv {
  readonly id: string;
  readonly x: number;
  readonly tx: number;
  readonly T: number;
  readonly monetary: number;
  readonly pAlive: number;
  /** E[Y(horizon) | x, tx, T], undiscounted. */
  readonly expectedTransactions: number;
  /** Gamma-Gamma conditional expected order value. */
  readonly expectedAverageValue: number;
  /** Discounted CLV over the horizon (see customerLifetimeValue). */
  readonly clv: number;
}

export interface ClvModel {
  readonly bgNbd: BgNbdFit;
  readonly gammaGamma: GammaGammaFit;
  readonly customers: CustomerClv[];
}

/**
 * Fits both models and scores every customer. A refused fit (maximum-likelihood.ts) scores no
 * one: a RangeError carries its reason.
 */
export function fitClvModel(customers: readonly CustomerSummary[], options: ClvOptions): ClvModel {
  const bgNbd = fitBgNbd(customers);
  const gammaGamma = fitGammaGamma(customers);
  const refusal = bgNbd.refusal ?? gammaGamma.refusal;
  if (refusal !== undefined) throw new RangeError(refusal);
  const scored = customers.map((c): CustomerClv => {
    const expectedAverageValue = gammaGammaConditionalExpectedValue(gammaGamma.params, c);
    const expectedTransactions = bgNbdConditionalExpectedTransactions(
      bgNbd.params,
      c,
      options.horizonWeeks,
    );
    const discounted =
      (options.annualDiscountRate ?? 0) === 0
        ? expectedTransactions
        : discountedExpectedTransactions(bgNbd.params, c, options);
    return {
      id: c.customerId,
      x: c.x,
      tx: c.tx,
      T: c.T,
      monetary: c.monetary,
      pAlive: bgNbdProbabilityAlive(bgNbd.params, c),
      expectedTransactions,
      expectedAverageValue,
      clv: expectedAverageValue * discounted,
    };
  });
  return { bgNbd, gammaGamma, customers: scored };
}
