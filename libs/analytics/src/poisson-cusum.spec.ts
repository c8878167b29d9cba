import { Prng } from './prng';
import { type CountPeriod, DEFECT_CUSUM_DEFAULTS, poissonCusum } from './poisson-cusum';

/** Poisson draw by multiplying uniforms (Knuth): fine for the small means here. */
function poisson(random: Prng, mean: number): number {
  const limit = Math.exp(-mean);
  let k = 0;
  let p = random.next();
  while (p > limit) {
    k++;
    p *= random.next();
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
  const random = Prng.fromSeed(String(seed));
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

  it('detects a doubling within 6 months in most product lines when about 10 defects a month are expected', () => {
    // A statement about the detector's power, not about lucky draws: over 100 seeded lines about
    // 93% alarm within 6 months of the doubling and about 3% raise an alarm before it.
    let detected = 0;
    let early = 0;
    for (let seed = 1; seed <= 100; seed++) {
      const judged = poissonCusum(series(seed, 36, 0.002, { stepAt: 24, step: 2 }));
      if (judged.slice(0, 24).some((p) => p.alarm)) early++;
      const first = judged.findIndex((p) => p.alarm);
      if (first >= 24 && first < 24 + 6) detected++;
    }
    expect(detected).toBeGreaterThanOrEqual(85);
    expect(early).toBeLessThanOrEqual(8);
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
