import { BgNbdParams, bgNbdConditionalExpectedTransactions } from './bg-nbd';
import {
  GammaGammaParams,
  customerLifetimeValue,
  discountedExpectedTransactions,
  fitGammaGamma,
  gammaGammaConditionalExpectedValue,
  gammaGammaLogLikelihood,
  realizedNetValue,
} from './gamma-gamma';
import { logGamma } from './special-functions';

const GG: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
const BG: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

describe('Gamma-Gamma', () => {
  it('computes the likelihood of a customer from the model: x values Gamma(p, nu), nu ~ Gamma(q, gamma)', () => {
    // The mean of x Gamma(p, nu) values is Gamma(px, x nu); integrating nu out gives the density
    // of the mean m: G(px+q)/(G(px)G(q)) gamma^q (x)^(px) m^(px-1) / (gamma + x m)^(px+q).
    const { p, q, gamma } = GG;
    const [x, m] = [3, 27.5];
    const expected =
      logGamma(p * x + q) -
      logGamma(p * x) -
      logGamma(q) +
      q * Math.log(gamma) +
      p * x * Math.log(x) +
      (p * x - 1) * Math.log(m) -
      (p * x + q) * Math.log(gamma + x * m);
    expect(gammaGammaLogLikelihood(GG, [{ x, monetary: m }])).toBeCloseTo(expected, 12);
  });

  it('ignores customers without repeat purchases or without positive value', () => {
    const one = { x: 2, monetary: 20 };
    expect(
      gammaGammaLogLikelihood(GG, [one, { x: 0, monetary: 0 }, { x: 3, monetary: 0 }]),
    ).toBeCloseTo(gammaGammaLogLikelihood(GG, [one]), 12);
    expect(() => fitGammaGamma([{ x: 0, monetary: 0 }])).toThrow(RangeError);
  });

  it('expected order value is the credibility-weighted mean of the population and the customer', () => {
    const { p, q, gamma } = GG;
    const populationMean = (p * gamma) / (q - 1);
    const c = { x: 4, monetary: 50 };
    const weight = (p * c.x) / (p * c.x + q - 1);
    expect(gammaGammaConditionalExpectedValue(GG, c)).toBeCloseTo(
      (1 - weight) * populationMean + weight * c.monetary,
      12,
    );
    expect(gammaGammaConditionalExpectedValue(GG, { x: 0, monetary: 0 })).toBeCloseTo(
      populationMean,
      12,
    );
  });
});

describe('customerLifetimeValue', () => {
  const customer = { x: 2, tx: 30.43, T: 38.86, monetary: 22.35 };
  const value = gammaGammaConditionalExpectedValue(GG, customer);

  it('without discounting is expected purchases over the horizon times expected order value', () => {
    expect(customerLifetimeValue(BG, GG, customer, { horizonWeeks: 52 })).toBeCloseTo(
      value * bgNbdConditionalExpectedTransactions(BG, customer, 52),
      12,
    );
  });

  it('with one step discounts everything from the end of the horizon', () => {
    const clv = customerLifetimeValue(BG, GG, customer, {
      horizonWeeks: 52,
      annualDiscountRate: 0.1,
      stepWeeks: 52,
    });
    expect(clv).toBeCloseTo(
      (value * bgNbdConditionalExpectedTransactions(BG, customer, 52)) / 1.1,
      12,
    );
  });

  it('with monthly steps lies between the undiscounted and the fully end-discounted value', () => {
    const expected = bgNbdConditionalExpectedTransactions(BG, customer, 104);
    const monthly = discountedExpectedTransactions(BG, customer, {
      horizonWeeks: 104,
      annualDiscountRate: 0.1,
    });
    expect(monthly).toBeLessThan(expected);
    expect(monthly).toBeGreaterThan(expected / 1.21);
    // Steps that do not divide the horizon: the last one is shorter and ends at the horizon.
    const partial = discountedExpectedTransactions(BG, customer, {
      horizonWeeks: 10,
      annualDiscountRate: 0.1,
      stepWeeks: 4,
    });
    const e4 = bgNbdConditionalExpectedTransactions(BG, customer, 4);
    const e8 = bgNbdConditionalExpectedTransactions(BG, customer, 8);
    const e10 = bgNbdConditionalExpectedTransactions(BG, customer, 10);
    const d = (t: number): number => Math.pow(1.1, -t / 52);
    expect(partial).toBeCloseTo(e4 * d(4) + (e8 - e4) * d(8) + (e10 - e8) * d(10), 12);
  });
});

describe('realizedNetValue', () => {
  it('is revenue minus the repair costs and refunds the business bore', () => {
    expect(realizedNetValue({ revenue: 1200, repairCosts: 150, refunds: 300 })).toBe(750);
  });
});

describe('Gamma-Gamma with q <= 1', () => {
  it('refuses to give a mean order value (it is infinite), rather than a negative one', () => {
    const params = { p: 6.25, q: 0.8, gamma: 15.44 };
    expect(() => gammaGammaConditionalExpectedValue(params, { x: 0, monetary: 0 })).toThrow(
      /q > 1/,
    );
    expect(() => gammaGammaConditionalExpectedValue(params, { x: 2, monetary: 30 })).toThrow(
      RangeError,
    );
  });

  it('refuses a fit whose q comes out at or below 1, with the reason', () => {
    // Mean values spread over four orders of magnitude: a heavy-tailed spend, q well below 1.
    const fit = fitGammaGamma([
      { x: 1, monetary: 10 },
      { x: 1, monetary: 1000 },
      { x: 2, monetary: 5 },
      { x: 1, monetary: 20000 },
    ]);
    expect(fit.params.q).toBeLessThanOrEqual(1);
    expect(fit.refusal).toMatch(/^Gamma-Gamma fit refused: /);
  });
});
