/**
 * A one-sided Poisson CUSUM (Lucas 1985; Page 1954) for a defect rate per unit in service: is the
 * rate rising? Each period t has an exposure E_t (units in service, in unit-months) and an
 * observed count X_t. The in-control rate is estimated from the series' own past (an expanding
 * reference window that ends `guardPeriods` before t, so a recent rise does not hide itself):
 *
 *   lambda0_t = (sum_{s < t - guard} X_s + priorDefects) / sum_{s < t - guard} E_s,
 *   mu0_t = lambda0_t E_t  (expected count), mu1_t = rateRatio mu0_t (the shift to detect).
 *
 * The statistic accumulates the log-likelihood ratio of "rate x rateRatio" against "rate as
 * before" and forgets evidence for the in-control rate:
 *
 *   S_t = max(0, S_{t-1} + X_t ln(rateRatio) - (rateRatio - 1) mu0_t),
 *
 * and raises an alarm when S_t >= threshold, after which it restarts at 0. By Wald's bound the
 * in-control average run length is at least about e^threshold periods (threshold 7: about 1,100
 * months per series); the number of periods to detect a doubling is about threshold divided by
 * mu0 (2 ln 2 - 1) = 0.386 mu0 per period (mu0 = 5 defects a month: about 4 months).
 * Monitoring starts once the reference window holds `minReferencePeriods` periods with exposure.
 * Pure: no clock, no randomness.
 */

export interface PoissonCusumOptions {
  /** The rate increase to detect, as a ratio (2: a doubling). */
  rateRatio: number;
  /** Decision threshold h on the log-likelihood-ratio scale. */
  threshold: number;
  /** Periods between the reference window and the period judged. */
  guardPeriods: number;
  /** Periods with exposure the reference window needs before monitoring starts. */
  minReferencePeriods: number;
  /** Pseudo-count added to the reference defects (a rate of 0 would make any defect infinite). */
  priorDefects: number;
}

export const DEFECT_CUSUM_DEFAULTS: PoissonCusumOptions = {
  rateRatio: 2,
  threshold: 7,
  guardPeriods: 3,
  minReferencePeriods: 6,
  priorDefects: 0.5,
};

export interface CountPeriod {
  /** Units in service over the period (unit-periods). */
  exposure: number;
  observed: number;
}

export interface CusumPeriod extends CountPeriod {
  /** mu0: the count expected at the reference rate; null before monitoring starts. */
  expected: number | null;
  /** Reference rate per unit-period; null before monitoring starts. */
  referenceRate: number | null;
  /** S_t after this period (before a restart); 0 before monitoring starts. */
  statistic: number;
  alarm: boolean;
}

export function poissonCusum(
  periods: readonly CountPeriod[],
  options: Partial<PoissonCusumOptions> = {},
): CusumPeriod[] {
  const o = { ...DEFECT_CUSUM_DEFAULTS, ...options };
  if (!(o.rateRatio > 1)) throw new RangeError('rateRatio must be above 1');
  if (!(o.threshold > 0)) throw new RangeError('threshold must be positive');
  const out: CusumPeriod[] = [];
  let referenceDefects = 0;
  let referenceExposure = 0;
  let referencePeriods = 0;
  let s = 0;
  for (let t = 0; t < periods.length; t++) {
    const r = t - o.guardPeriods - 1;
    if (r >= 0 && periods[r].exposure > 0) {
      referenceDefects += periods[r].observed;
      referenceExposure += periods[r].exposure;
      referencePeriods++;
    }
    const { exposure, observed } = periods[t];
    if (referencePeriods < o.minReferencePeriods || referenceExposure <= 0) {
      out.push({
        exposure,
        observed,
        expected: null,
        referenceRate: null,
        statistic: 0,
        alarm: false,
      });
      continue;
    }
    const referenceRate = (referenceDefects + o.priorDefects) / referenceExposure;
    const expected = referenceRate * exposure;
    const step = cusumStep(s, observed, expected, o);
    out.push({ exposure, observed, expected, referenceRate, ...step });
    s = step.alarm ? 0 : step.statistic;
  }
  return out;
}

/**
 * One period of the CUSUM with the expected count given: the statistic after it (before a
 * restart) and whether it alarms. For series whose reference is not their own past (a supplier
 * batch judged against the other batches of its SKU).
 */
export function cusumStep(
  previous: number,
  observed: number,
  expected: number,
  options: Pick<PoissonCusumOptions, 'rateRatio' | 'threshold'>,
): { statistic: number; alarm: boolean } {
  const statistic = Math.max(
    0,
    previous + observed * Math.log(options.rateRatio) - (options.rateRatio - 1) * expected,
  );
  return { statistic, alarm: statistic >= options.threshold };
}
