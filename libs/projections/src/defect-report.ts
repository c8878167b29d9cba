import { DEFECT_CUSUM_DEFAULTS, type PoissonCusumOptions } from '@aftercare/analytics';
import { type DefectBatchSeries, defectBatchSeries } from './defect-batches';
import { type DefectCounts, type DefectMonth, defectSeries } from './defect-rates';
import { monthOf } from './event-data';

/**
 * The R&D report: per SKU and defect code, the defect rate per 1,000 unit-months in service, its
 * trend (the last three closed months against the CUSUM's reference rate) and the change
 * detector's state, over the closed months before `asOf` (docs/defects.md).
 */

/** Closed months shown per defect code. */
export const DEFECT_REPORT_MONTHS = 12;
/** Months the trend and "rising" look back over. */
export const DEFECT_RECENT_MONTHS = 3;

export interface DefectReportMonth {
  month: string;
  unitMonths: number;
  defects: number;
  /** Count expected at the reference rate; null before monitoring starts. */
  expected: number | null;
  statistic: number;
  alarm: boolean;
}

export interface DefectReportCode {
  defectCode: string;
  defects: number;
  ratePer1000UnitMonths: number | null;
  trend: {
    months: number;
    recentRatePer1000UnitMonths: number | null;
    referenceRatePer1000UnitMonths: number | null;
    /** recent / reference; null when either is unknown. */
    rateRatio: number | null;
  };
  cusum: {
    statistic: number;
    threshold: number;
    /** Month of the latest alarm, if any. */
    lastAlarm: string | null;
    /** An alarm in the last DEFECT_RECENT_MONTHS closed months. */
    rising: boolean;
  };
  months: DefectReportMonth[];
  /** The supplier-batch breakdown, when asked for (`byBatch`). */
  byBatch?: DefectReportBatch[];
}

/** One supplier batch of a SKU, for one defect code (defect-batches.ts). */
export interface DefectReportBatch {
  /** null: the units recorded without a batch. */
  supplierBatch: string | null;
  /** Serialised units of the batch sold by the end of the last closed month. */
  unitsSold: number;
  unitMonths: number;
  defects: number;
  ratePer1000Units: number | null;
  ratePer1000UnitMonths: number | null;
  /** Judged: a recorded batch with enough units (MIN_BATCH_UNITS). */
  judged: boolean;
  /** Over the months judged: defects found and expected at the other batches' rates by age. */
  comparison: {
    observed: number;
    expected: number;
    /** observed / expected; null when nothing was expected (no month judged). */
    ratio: number | null;
  };
  cusum: DefectReportCode['cusum'];
}

export interface DefectReportSku {
  sku: string;
  productCategory: string;
  unitsInService: number;
  defects: number;
  ratePer1000UnitMonths: number | null;
  byDefect: DefectReportCode[];
}

export interface DefectReport {
  asOf: string;
  /** The last closed month judged. */
  throughMonth: string;
  detector: PoissonCusumOptions;
  skus: DefectReportSku[];
}

/** The month before `month` (YYYY-MM). */
export function previousMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, '0')}`;
}

const per1000 = (defects: number, exposure: number): number | null =>
  exposure > 0 ? (1000 * defects) / exposure : null;
const sum = (months: readonly DefectMonth[], pick: (m: DefectMonth) => number): number =>
  months.reduce((s, m) => s + pick(m), 0);

export function defectReport(
  counts: DefectCounts,
  asOf: string,
  options: { sku?: string; detector?: Partial<PoissonCusumOptions>; byBatch?: boolean } = {},
): DefectReport {
  const detector = { ...DEFECT_CUSUM_DEFAULTS, ...options.detector };
  const throughMonth = previousMonth(monthOf(asOf));
  const bySku = new Map<string, DefectReportSku>();
  for (const [sku, { productCategory, byMonth }] of Object.entries(counts.units)) {
    if (options.sku !== undefined && sku !== options.sku) continue;
    const unitsInService = Object.entries(byMonth)
      .filter(([month]) => month <= throughMonth)
      .reduce((s, [, n]) => s + n, 0);
    bySku.set(sku, {
      sku,
      productCategory,
      unitsInService,
      defects: 0,
      ratePer1000UnitMonths: null,
      byDefect: [],
    });
  }
  const batchRows = new Map<string, DefectReportBatch[]>();
  if (options.byBatch) {
    for (const series of defectBatchSeries(counts, throughMonth, detector, options.sku)) {
      const key = `${series.sku}\n${series.defectCode}`;
      const rows = batchRows.get(key) ?? [];
      rows.push(batchRow(series, detector.threshold));
      batchRows.set(key, rows);
    }
  }
  const exposureBySku = new Map<string, number>();
  for (const series of defectSeries(counts, throughMonth, detector, options.sku)) {
    const row = bySku.get(series.sku);
    if (!row) continue;
    const months = series.months;
    const exposure = sum(months, (m) => m.exposure);
    exposureBySku.set(series.sku, exposure);
    const defects = sum(months, (m) => m.observed);
    const recent = months.slice(-DEFECT_RECENT_MONTHS);
    const last = months[months.length - 1];
    const recentRate = per1000(
      sum(recent, (m) => m.observed),
      sum(recent, (m) => m.exposure),
    );
    const referenceRate = last?.referenceRate != null ? 1000 * last.referenceRate : null;
    const alarms = months.filter((m) => m.alarm);
    const lastAlarm = alarms.length > 0 ? alarms[alarms.length - 1].month : null;
    row.defects += defects;
    row.byDefect.push({
      defectCode: series.defectCode,
      defects,
      ratePer1000UnitMonths: per1000(defects, exposure),
      trend: {
        months: DEFECT_RECENT_MONTHS,
        recentRatePer1000UnitMonths: recentRate,
        referenceRatePer1000UnitMonths: referenceRate,
        rateRatio:
          recentRate !== null && referenceRate !== null && referenceRate > 0
            ? recentRate / referenceRate
            : null,
      },
      cusum: {
        statistic: last?.statistic ?? 0,
        threshold: detector.threshold,
        lastAlarm,
        rising: recent.some((m) => m.alarm),
      },
      months: months.slice(-DEFECT_REPORT_MONTHS).map((m) => ({
        month: m.month,
        unitMonths: m.exposure,
        defects: m.observed,
        expected: m.expected,
        statistic: m.statistic,
        alarm: m.alarm,
      })),
      ...(options.byBatch
        ? { byBatch: batchRows.get(`${series.sku}\n${series.defectCode}`) ?? [] }
        : {}),
    });
  }
  for (const row of bySku.values()) {
    const exposure = exposureBySku.get(row.sku);
    row.ratePer1000UnitMonths =
      exposure !== undefined ? per1000(row.defects, exposure) : row.unitsInService > 0 ? 0 : null;
  }
  const skus = [...bySku.values()].sort((a, b) => a.sku.localeCompare(b.sku));
  return { asOf, throughMonth, detector, skus };
}

/** A batch's row: its counts, its comparison with the other batches, its CUSUM state. */
function batchRow(series: DefectBatchSeries, threshold: number): DefectReportBatch {
  const months = series.months;
  const judgedMonths = months.filter((m) => m.expected !== null);
  const defects = months.reduce((s, m) => s + m.observed, 0);
  const unitMonths = months.reduce((s, m) => s + m.exposure, 0);
  const observed = judgedMonths.reduce((s, m) => s + m.observed, 0);
  const expected = judgedMonths.reduce((s, m) => s + (m.expected ?? 0), 0);
  const alarms = months.filter((m) => m.alarm);
  return {
    supplierBatch: series.supplierBatch,
    unitsSold: series.unitsSold,
    unitMonths,
    defects,
    ratePer1000Units: per1000(defects, series.unitsSold),
    ratePer1000UnitMonths: per1000(defects, unitMonths),
    judged: series.judged,
    comparison: { observed, expected, ratio: expected > 0 ? observed / expected : null },
    cusum: {
      statistic: months[months.length - 1]?.statistic ?? 0,
      threshold,
      lastAlarm: alarms.length > 0 ? alarms[alarms.length - 1].month : null,
      rising: months.slice(-DEFECT_RECENT_MONTHS).some((m) => m.alarm),
    },
  };
}
