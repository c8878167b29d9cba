import { cusumStep, type PoissonCusumOptions } from '@aftercare/analytics';
import { type DefectCounts, monthsBetween, NO_BATCH } from './defect-rates';

/**
 * The supplier-batch breakdown of the defect early warning (docs/defects.md): for each SKU,
 * defect code and supplier batch, the defects against those expected of the batch's units at
 * their age, and a Poisson CUSUM on that comparison. Pure.
 *
 * A batch is not judged against its own past (a batch bad from its first unit has none that is
 * good) but against the other batches of its SKU at the same unit age: defects cluster in the
 * first weeks of a unit's life, so a young batch compared with the SKU's pooled rate would look
 * bad for its age alone. For batch b in month t, with its units sold in month s at age t - s:
 *
 *   lambda_-b(a) = (defects of the other batches' units at age a, months <= t)
 *                  / (their unit-months at age a, months <= t)  +  prior / (their unit-months)
 *   mu_bt        = sum over b's sale months s of (b's unit-months sold in s, in month t) x lambda_-b(t - s)
 *
 * (ages from BATCH_AGE_CAP months on are pooled), and the CUSUM of DEFECT_CUSUM_DEFAULTS runs on
 * (observed, mu_bt). A month is judged once every age the batch has units at has reference units
 * of other batches; a batch is judged at all from MIN_BATCH_UNITS units, and units recorded
 * without a batch are counted but never judged (they are not one batch).
 */

/** Units a batch needs before it is judged: below that a batch's rate is mostly noise. */
export const MIN_BATCH_UNITS = 20;
/** Unit ages (months) from which the reference rate is pooled: few units are that old. */
export const BATCH_AGE_CAP = 24;

export interface DefectBatchMonth {
  month: string;
  /** The batch's unit-months in service over the month. */
  exposure: number;
  observed: number;
  /** Defects expected at the other batches' rates for the same ages; null when not judged. */
  expected: number | null;
  statistic: number;
  alarm: boolean;
}

export interface DefectBatchSeries {
  sku: string;
  defectCode: string;
  /** null: units recorded without a batch. */
  supplierBatch: string | null;
  unitsSold: number;
  /** Judged by the CUSUM: a recorded batch with at least MIN_BATCH_UNITS units. */
  judged: boolean;
  /** From the batch's first month sold. */
  months: DefectBatchMonth[];
}

type Cohort = { batch: string; start: number; units: number };

/**
 * Every (SKU, defect code, batch) series through `throughMonth`, for SKUs with defects; the
 * `sku` filter keeps one SKU.
 */
export function defectBatchSeries(
  counts: DefectCounts,
  throughMonth: string,
  detector: Pick<PoissonCusumOptions, 'rateRatio' | 'threshold' | 'priorDefects'>,
  sku?: string,
): DefectBatchSeries[] {
  const out: DefectBatchSeries[] = [];
  for (const s of Object.keys(counts.batchUnits).sort()) {
    if (sku !== undefined && s !== sku) continue;
    const byBatch = counts.batchUnits[s];
    const first = Object.values(byBatch)
      .flatMap((byMonth) => Object.keys(byMonth))
      .sort()[0];
    if (!first || first > throughMonth) continue;
    const months = monthsBetween(first, throughMonth);
    const index = new Map(months.map((m, i) => [m, i]));
    const batches = Object.keys(byBatch).sort();
    const cohorts: Cohort[] = [];
    for (const batch of batches) {
      for (const [month, units] of Object.entries(byBatch[batch])) {
        const start = index.get(month);
        if (start !== undefined) cohorts.push({ batch, start, units });
      }
    }
    const codes = Object.hasOwn(counts.batchDefects, s) ? counts.batchDefects[s] : {};
    for (const defectCode of Object.keys(codes).sort()) {
      out.push(...codeSeries(s, defectCode, codes[defectCode], months, batches, cohorts, detector));
    }
  }
  return out;
}

function codeSeries(
  sku: string,
  defectCode: string,
  defects: Record<string, Record<string, Record<string, number>>>,
  months: readonly string[],
  batches: readonly string[],
  cohorts: readonly Cohort[],
  detector: Pick<PoissonCusumOptions, 'rateRatio' | 'threshold' | 'priorDefects'>,
): DefectBatchSeries[] {
  const ages = BATCH_AGE_CAP + 1;
  const slot = new Map(batches.map((b, i) => [b, i]));
  // Each batch's cohorts (units sold in one month), with their defects by month index.
  const byBatch = batches.map(() => [] as { start: number; units: number; found: number[] }[]);
  for (const c of cohorts) {
    const found = new Array<number>(months.length).fill(0);
    const byMonth = defects[c.batch]?.[months[c.start]] ?? {};
    months.forEach((m, t) => {
      if (t >= c.start && Object.hasOwn(byMonth, m)) found[t] = byMonth[m];
    });
    byBatch[slot.get(c.batch) ?? 0].push({ start: c.start, units: c.units, found });
  }
  // Cumulative unit-months and defects by age: all batches, and each batch.
  const allE = new Float64Array(ages);
  const allD = new Float64Array(ages);
  const ownE = batches.map(() => new Float64Array(ages));
  const ownD = batches.map(() => new Float64Array(ages));
  const ownTotalE = batches.map(() => 0);
  let totalE = 0;
  const series: DefectBatchSeries[] = batches.map((batch, b) => {
    const unitsSold = byBatch[b].reduce((n, c) => n + c.units, 0);
    return {
      sku,
      defectCode,
      supplierBatch: batch === NO_BATCH ? null : batch,
      unitsSold,
      judged: batch !== NO_BATCH && unitsSold >= MIN_BATCH_UNITS,
      months: [],
    };
  });
  const statistic = batches.map(() => 0);
  const exposureOf = (c: { start: number; units: number }, t: number): number =>
    t === c.start ? c.units / 2 : c.units;
  for (let t = 0; t < months.length; t++) {
    for (let b = 0; b < batches.length; b++) {
      for (const c of byBatch[b]) {
        if (c.start > t) continue;
        const age = Math.min(t - c.start, BATCH_AGE_CAP);
        const e = exposureOf(c, t);
        allE[age] += e;
        allD[age] += c.found[t];
        ownE[b][age] += e;
        ownD[b][age] += c.found[t];
        ownTotalE[b] += e;
        totalE += e;
      }
    }
    for (let b = 0; b < batches.length; b++) {
      let exposure = 0;
      let observed = 0;
      let expected: number | null = series[b].judged ? 0 : null;
      const otherE = totalE - ownTotalE[b];
      for (const c of byBatch[b]) {
        if (c.start > t) continue;
        const age = Math.min(t - c.start, BATCH_AGE_CAP);
        const e = exposureOf(c, t);
        exposure += e;
        observed += c.found[t];
        const refE = allE[age] - ownE[b][age];
        if (expected === null || refE <= 0) {
          expected = null;
          continue;
        }
        expected += e * ((allD[age] - ownD[b][age]) / refE + detector.priorDefects / otherE);
      }
      if (exposure === 0) continue;
      let step = { statistic: statistic[b], alarm: false };
      if (expected !== null) {
        step = cusumStep(statistic[b], observed, expected, detector);
        statistic[b] = step.alarm ? 0 : step.statistic;
      }
      series[b].months.push({ month: months[t], exposure, observed, expected, ...step });
    }
  }
  return series;
}
