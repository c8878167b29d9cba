import { SeededRandom } from './bench/seeded-random';
import { type CountPeriod, DEFECT_CUSUM_DEFAULTS, poissonCusum } from './poisson-cusum';

/** Poisson draw by multiplying uniforms (Knuth): fine for the small means here. */
function poisson(random: SeededRandom, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random.uniform();
  while (p > limit) {
    k++;
    p *= random.uniform();
  }
  return k;
}

/**
 * A product line: units in service growing by `sold` a month, defects Poisson at `rate` per
 * unit-month, multiplied by `step` from month `stepAt` on.
 */
function series(
  seed: number,
  months: number,
  rate: number,
  options: { sold?: number; stepAt?: number; step?: number } = {},
): CountPeriod[] {
  const random = new SeededRandom(seed);
  const sold = options.sold ?? 200;
  return Array.from({ length: months }, (_, t) => {
    const exposure = sold * t + sold / 2;
    const r = t >= (options.stepAt ?? Infinity) ? rate * (options.step ?? 1) : rate;
    return { exposure, observed: poisson(random, r * exposure) };
  });
}

describe('poissonCusum', () => {
  it('raises no alarm on stable Poisson series (20 seeds, 48 months each)', () => {
    let alarms = 0;
    for (let seed = 1; seed <= 20; seed++) {
      alarms += poissonCusum(series(seed, 48, 0.002)).filter((p) => p.alarm).length;
    }
    expect(alarms).toBe(0);
  });

  it('detects a doubling within 6 months when about 10 defects a month are expected', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const judged = poissonCusum(series(seed, 36, 0.002, { stepAt: 24, step: 2 }));
      expect(judged.slice(0, 24).some((p) => p.alarm)).toBe(false);
      const first = judged.findIndex((p) => p.alarm);
      expect(first).toBeGreaterThanOrEqual(24);
      expect(first).toBeLessThan(24 + 6);
    }
  });

  it('accumulates the log-likelihood ratio against the reference rate, and restarts after an alarm', () => {
    const periods: CountPeriod[] = [
      ...Array.from({ length: 10 }, () => ({ exposure: 1000, observed: 2 })),
      { exposure: 1000, observed: 12 },
      { exposure: 1000, observed: 12 },
    ];
    const judged = poissonCusum(periods, { threshold: 5, guardPeriods: 0, minReferencePeriods: 6 });
    expect(judged[5].expected).toBeNull();
    // Month 10: reference = months 0-9, (20 + 0.5) / 10,000 per unit-month.
    const mu0 = (20.5 / 10_000) * 1000;
    expect(judged[10].expected).toBeCloseTo(mu0, 12);
    expect(judged[10].statistic).toBeCloseTo(12 * Math.log(2) - mu0, 12);
    expect(judged[10].alarm).toBe(true);
    // Restarted at 0, and the reference now holds month 10 too.
    const mu0next = (32.5 / 11_000) * 1000;
    expect(judged[11].statistic).toBeCloseTo(12 * Math.log(2) - mu0next, 12);
  });

  it('waits for the reference window and leaves a guard before the month judged', () => {
    const judged = poissonCusum(series(3, 12, 0.002));
    const first = judged.findIndex((p) => p.expected !== null);
    expect(first).toBe(
      DEFECT_CUSUM_DEFAULTS.minReferencePeriods + DEFECT_CUSUM_DEFAULTS.guardPeriods,
    );
    expect(() => poissonCusum([], { rateRatio: 1 })).toThrow(RangeError);
  });
});
