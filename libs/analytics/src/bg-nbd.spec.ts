import {
  BgNbdParams,
  bgNbdConditionalExpectedTransactions,
  bgNbdExpectedTransactions,
  bgNbdLogLikelihood,
  bgNbdProbabilityAlive,
  fitBgNbd,
} from './bg-nbd';
import { logBeta, logGamma } from './special-functions';
import { synthesizePopulation } from './bench/clv.bench';
import { parseCsvTransactions, summarizeTransactions } from './rfm-summary';

const { pow } = Math;

const CDNOW: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };

/**
 * Independent route to the predictions: integrate lambda out analytically and p numerically
 * (substituting p = u^(1/a) to remove the p^(a-1) singularity), with no hypergeometric function.
 * Given (lambda, p) and alive at T, expected purchases in (T, T+t] are (1 - e^(-lambda p t)) / p.
 */
function byQuadrature(
  { r, alpha, a, b }: BgNbdParams,
  { x, tx, T }: { x: number; tx: number; T: number },
  t: number,
): { expected: number; pAlive: number } {
  const n = 50_000;
  let numerator = 0;
  for (let i = 0; i < n; i++) {
    const u = (i + 0.5) / n;
    const p = pow(u, 1 / a);
    const bracket = pow(alpha + T, -(r + x)) - pow(alpha + T + p * t, -(r + x));
    numerator += (pow(1 - p, b + x - 1) * bracket) / p;
  }
  numerator /= n * a * Math.exp(logBeta(a, b));
  const alive = Math.exp(logBeta(a, b + x) - logBeta(a, b)) * pow(alpha + T, -(r + x));
  const dropped =
    x > 0 ? Math.exp(logBeta(a + 1, b + x - 1) - logBeta(a, b)) * pow(alpha + tx, -(r + x)) : 0;
  return { expected: numerator / (alive + dropped), pAlive: alive / (alive + dropped) };
}

describe('BG/NBD predictions', () => {
  it('reproduces the Fader-Hardie example: x=2, tx=30.43, T=38.86 expects 1.226 purchases in 39 weeks', () => {
    expect(
      bgNbdConditionalExpectedTransactions(CDNOW, { x: 2, tx: 30.43, T: 38.86 }, 39),
    ).toBeCloseTo(1.226, 3);
  });

  it.each([
    [{ x: 0, tx: 0, T: 38.86 }, 39],
    [{ x: 2, tx: 30.43, T: 38.86 }, 39],
    [{ x: 1, tx: 1.71, T: 38.86 }, 52],
    [{ x: 7, tx: 29.43, T: 35.14 }, 10],
    [{ x: 14, tx: 36, T: 37 }, 104],
  ])('matches direct numerical integration for %p over %p weeks', (customer, t) => {
    const reference = byQuadrature(CDNOW, customer, t);
    expect(bgNbdConditionalExpectedTransactions(CDNOW, customer, t)).toBeCloseTo(
      reference.expected,
      7,
    );
    expect(bgNbdProbabilityAlive(CDNOW, customer)).toBeCloseTo(reference.pAlive, 12);
  });

  it('E[X(t)] matches integration for a new customer and grows with t', () => {
    for (const t of [1, 39, 78, 520]) {
      const reference = byQuadrature(CDNOW, { x: 0, tx: 0, T: 0 }, t).expected;
      expect(bgNbdExpectedTransactions(CDNOW, t)).toBeCloseTo(reference, 7);
    }
    expect(bgNbdExpectedTransactions(CDNOW, 0)).toBe(0);
  });

  it('a customer who has not bought for a long time is less likely alive than a recent one', () => {
    const recent = bgNbdProbabilityAlive(CDNOW, { x: 5, tx: 38, T: 39 });
    const lapsed = bgNbdProbabilityAlive(CDNOW, { x: 5, tx: 5, T: 39 });
    expect(recent).toBeGreaterThan(0.85);
    expect(lapsed).toBeLessThan(0.2);
    expect(bgNbdProbabilityAlive(CDNOW, { x: 0, tx: 0, T: 39 })).toBe(1);
  });

  it('stays finite for very frequent buyers and long horizons', () => {
    const heavy = { x: 300, tx: 38.5, T: 39 };
    const expected = bgNbdConditionalExpectedTransactions(CDNOW, heavy, 5000);
    expect(Number.isFinite(expected)).toBe(true);
    expect(expected).toBeGreaterThan(0);
  });
});

describe('BG/NBD likelihood and fit', () => {
  it('computes the likelihood of a single customer from its definition', () => {
    const { r, alpha, a, b } = CDNOW;
    const [x, tx, T] = [3, 20, 30];
    const common =
      logGamma(r + x) - logGamma(r) + r * Math.log(alpha) + logBeta(a, b + x) - logBeta(a, b);
    const expected =
      common +
      Math.log(Math.pow(alpha + T, -(r + x)) + (a / (b + x - 1)) * Math.pow(alpha + tx, -(r + x)));
    expect(bgNbdLogLikelihood(CDNOW, [{ x, tx, T }])).toBeCloseTo(expected, 12);
  });

  it('groups identical customers without changing the likelihood', () => {
    const one = { x: 1, tx: 2, T: 10 };
    const single = bgNbdLogLikelihood(CDNOW, [one]);
    expect(bgNbdLogLikelihood(CDNOW, [one, { ...one }, { x: 0, tx: 0, T: 10 }])).toBeCloseTo(
      2 * single + bgNbdLogLikelihood(CDNOW, [{ x: 0, tx: 0, T: 10 }]),
      10,
    );
  });

  it('recovers the parameters of a simulated population and stops at a stationary point', () => {
    const truth: BgNbdParams = { r: 0.5, alpha: 6, a: 0.7, b: 3 };
    const population = synthesizePopulation({ customers: 20_000, seed: 7, bgNbd: truth });
    const data = summarizeTransactions(
      parseCsvTransactions(population.csv),
      population.calibrationEnd,
    );
    const fit = fitBgNbd(data);
    expect(fit.converged).toBe(true);
    // Sampling error at 20,000 customers and whole-day times: within ~15 % of the truth.
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      expect(Math.abs(fit.params[key] / truth[key] - 1)).toBeLessThan(0.15);
      for (const factor of [0.999, 1.001]) {
        const moved = { ...fit.params, [key]: fit.params[key] * factor };
        expect(bgNbdLogLikelihood(moved, data)).toBeLessThan(fit.logLikelihood);
      }
    }
  });
});

describe('BG/NBD predictions across parameter ranges', () => {
  const rel = (actual: number, expected: number): number => Math.abs(actual / expected - 1);

  // E[Y(t) | x, tx, T] by the paper's formula evaluated with mpmath at 40 digits. Large a once
  // gave NaN (a = 400, t = 520) and -Infinity (a = 800, t = 52): the Euler form multiplied an
  // underflowing power by an overflowing series.
  it.each([
    [
      { r: 0.243, alpha: 4.414, a: 400, b: 2.426 },
      { x: 10, tx: 50, T: 52 },
      520,
      0.019956919419173314,
    ],
    [
      { r: 0.243, alpha: 4.414, a: 400, b: 2.426 },
      { x: 1, tx: 10, T: 20 },
      520,
      0.003099980298039518,
    ],
    [
      { r: 0.243, alpha: 4.414, a: 800, b: 2.426 },
      { x: 10, tx: 50, T: 52 },
      52,
      0.009910322899271198,
    ],
    [
      { r: 0.243, alpha: 4.414, a: 800, b: 2.426 },
      { x: 1, tx: 10, T: 20 },
      52,
      0.001195638181053146,
    ],
    [{ r: 2, alpha: 10, a: 400, b: 2.426 }, { x: 20, tx: 51, T: 52 }, 520, 0.038132834919239335],
    [{ r: 0.5, alpha: 1, a: 800, b: 50 }, { x: 30, tx: 100, T: 104 }, 52, 0.03225366046046326],
    [CDNOW, { x: 200, tx: 100, T: 104 }, 52, 9.83712699802706],
    [{ ...CDNOW, a: 0.05 }, { x: 5, tx: 20, T: 38 }, 2000, 188.74063080000232],
    [{ ...CDNOW, a: 1.0000000001 }, { x: 3, tx: 20, T: 38 }, 39, 0.9934232792559835],
  ])('%j, %j, t = %p: %p', (params, customer, t, expected) => {
    expect(rel(bgNbdConditionalExpectedTransactions(params, customer, t), expected)).toBeLessThan(
      1e-9,
    );
  });

  it('is finite and non-negative over a grid of extreme parameters and customers', () => {
    const bad: string[] = [];
    for (const r of [1e-4, 0.243, 50])
      for (const alpha of [1e-3, 4.414, 1e4])
        for (const a of [1e-4, 0.5, 1, 1.5, 400, 800, 1e5])
          for (const b of [1e-4, 2.426, 1e4])
            for (const [x, tx, T] of [
              [0, 0, 0.1],
              [1, 1, 52],
              [50, 51, 52],
              [500, 100, 104],
            ])
              for (const t of [0.01, 52, 520, 1e4]) {
                const params = { r, alpha, a, b };
                const c = { x, tx, T };
                const v = bgNbdConditionalExpectedTransactions(params, c, t);
                const p = bgNbdProbabilityAlive(params, c);
                if (!(Number.isFinite(v) && v >= 0 && p >= 0 && p <= 1)) {
                  bad.push(`${JSON.stringify({ params, c, t })} -> ${v}, ${p}`);
                }
              }
    expect(bad.slice(0, 5)).toEqual([]);
  });
});

describe('BG/NBD fit checks', () => {
  it('refuses a fit on sparse data whose parameters ran to a degenerate limit, with the reason', () => {
    // Three buyers, none with a repeat purchase after week 4: the likelihood keeps improving as
    // a grows and b shrinks (here a = 7989, b = 7.6e-7), and the optimiser stops near that limit.
    const fit = fitBgNbd([
      { x: 1, tx: 2, T: 30 },
      { x: 1, tx: 3, T: 31 },
      { x: 1, tx: 4, T: 32 },
      { x: 0, tx: 0, T: 20 },
    ]);
    expect(fit.params.b).toBeLessThan(1e-5);
    expect(fit.refusal).toMatch(/^BG\/NBD fit refused: b went to a degenerate limit/);
  });
});
