import { entryOf } from '@aftercare/domain';
import { monthOf } from './event-data';
import { inPlace, withEntry } from './ownership';
import {
  cohortRow,
  type CohortRetention,
  monthIndex,
  rate,
  type SkuComplaints,
  type SkuRepairs,
} from './population-reports';
import {
  emptySkuTotals,
  type ProductBucketState,
  type SkuTotals,
} from './product-population.projection';

/**
 * The population reports of population-reports.ts, read from the product_population buckets'
 * running totals (the same figures, without reading every customer profile).
 */

function add(into: Record<string, number>, from: Record<string, number>): void {
  for (const [key, n] of Object.entries(from)) {
    withEntry(inPlace, into, key, (entryOf(into, key) ?? 0) + n);
  }
}

function skuTotals(buckets: readonly ProductBucketState[]): Map<string, SkuTotals> {
  const totals = new Map<string, SkuTotals>();
  for (const bucket of buckets) {
    for (const [sku, t] of Object.entries(bucket.skus)) {
      const sum = totals.get(sku) ?? emptySkuTotals(t.productCategory);
      sum.unitsSold += t.unitsSold;
      sum.complaints += t.complaints;
      add(sum.complaintsByCategory, t.complaintsByCategory);
      sum.repairs += t.repairs;
      add(sum.repairsByDefect, t.repairsByDefect);
      sum.repeatRepairSerials += t.repeatRepairSerials;
      totals.set(sku, sum);
    }
  }
  return totals;
}

export function complaintsBySkuFromBuckets(
  buckets: readonly ProductBucketState[],
): SkuComplaints[] {
  return [...skuTotals(buckets).entries()]
    .map(([sku, t]) => ({
      sku,
      productCategory: t.productCategory,
      unitsSold: t.unitsSold,
      complaints: t.complaints,
      complaintRate: rate(t.complaints, t.unitsSold),
      byCategory: t.complaintsByCategory,
    }))
    .sort((a, b) => (b.complaintRate ?? 0) - (a.complaintRate ?? 0) || a.sku.localeCompare(b.sku));
}

export function repairsBySkuFromBuckets(buckets: readonly ProductBucketState[]): SkuRepairs[] {
  return [...skuTotals(buckets).entries()]
    .map(([sku, t]) => ({
      sku,
      productCategory: t.productCategory,
      unitsSold: t.unitsSold,
      repairs: t.repairs,
      repairRate: rate(t.repairs, t.unitsSold),
      repeatRepairSerials: t.repeatRepairSerials,
      byDefect: Object.entries(t.repairsByDefect)
        .map(([defectCode, repairs]) => ({ defectCode, repairs, rate: rate(repairs, t.unitsSold) }))
        .sort((a, b) => b.repairs - a.repairs || a.defectCode.localeCompare(b.defectCode)),
    }))
    .sort((a, b) => (b.repairRate ?? 0) - (a.repairRate ?? 0) || a.sku.localeCompare(b.sku));
}

/** The latest purchase day in any bucket: a cohort report as of this day or later reads the totals. */
export function lastPurchaseDayOf(buckets: readonly ProductBucketState[]): string | null {
  let last: string | null = null;
  for (const b of buckets) {
    if (b.lastPurchaseDay !== null && (last === null || b.lastPurchaseDay > last)) {
      last = b.lastPurchaseDay;
    }
  }
  return last;
}

/**
 * Cohort retention as of `now` from the totals: exact when no purchase happened after `now`
 * (`lastPurchaseDayOf` at most now's day); an earlier `now` needs each customer's days.
 */
export function cohortRetentionFromBuckets(
  buckets: readonly ProductBucketState[],
  now: string,
  maxOffset = 24,
): CohortRetention[] {
  const nowMonth = monthIndex(monthOf(now));
  const cohorts = new Map<string, { customers: number; active: Record<string, number> }>();
  for (const bucket of buckets) {
    for (const [month, c] of Object.entries(bucket.cohorts)) {
      const sum = cohorts.get(month) ?? { customers: 0, active: {} };
      sum.customers += c.customers;
      add(sum.active, c.active);
      cohorts.set(month, sum);
    }
  }
  return [...cohorts.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([cohort, c]) =>
      cohortRow(
        monthIndex(cohort),
        c.customers,
        (offset) => c.active[String(offset)] ?? 0,
        nowMonth,
        maxOffset,
      ),
    );
}
