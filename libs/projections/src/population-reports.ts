import { type CustomerProfileState, purchaseDays } from './customer-profile.projection';
import { monthOf, round2 } from './event-data';
import type { FeedbackMonthState } from './population.projection';
import { netPromoterScore } from './population.projection';
import type { WarrantyClaimState } from './warranty-claims.projection';
import { warrantyClaimCost } from './warranty-claims.projection';

/**
 * Population reports for product and service teams, aggregated from read-model states. Pure: the
 * caller hands in the states (and `now` where a report depends on it).
 */

export function rate(numerator: number, denominator: number): number | null {
  return denominator === 0 ? null : Math.round((numerator / denominator) * 10_000) / 10_000;
}

export interface NpsMonth {
  month: string;
  responses: number;
  promoters: number;
  passives: number;
  detractors: number;
  nps: number | null;
}

export function npsByMonth(months: readonly FeedbackMonthState[]): NpsMonth[] {
  return [...months]
    .filter((m) => m.nps.responses > 0)
    .sort((a, b) => a.month.localeCompare(b.month))
    .map((m) => ({ month: m.month, ...m.nps, nps: netPromoterScore(m) }));
}

export interface CsatMonth {
  month: string;
  responses: number;
  mean: number | null;
  satisfiedShare: number | null;
  ces: { responses: number; mean: number | null };
}

export function csatByMonth(months: readonly FeedbackMonthState[]): CsatMonth[] {
  return [...months]
    .filter((m) => m.csat.responses > 0 || m.ces.responses > 0)
    .sort((a, b) => a.month.localeCompare(b.month))
    .map((m) => ({
      month: m.month,
      responses: m.csat.responses,
      mean: m.csat.responses ? round2(m.csat.sum / m.csat.responses) : null,
      satisfiedShare: rate(m.csat.satisfied, m.csat.responses),
      ces: {
        responses: m.ces.responses,
        mean: m.ces.responses ? round2(m.ces.sum / m.ces.responses) : null,
      },
    }));
}

interface SkuIndex {
  /** purchaseId -> sku */
  skuOf: Map<string, string>;
  units: Map<string, { sku: string; productCategory: string; units: number }>;
}

function indexSkus(profiles: readonly CustomerProfileState[]): SkuIndex {
  const skuOf = new Map<string, string>();
  const units = new Map<string, { sku: string; productCategory: string; units: number }>();
  for (const p of profiles) {
    for (const product of p.products) {
      skuOf.set(product.purchaseId, product.sku);
      const entry = units.get(product.sku) ?? {
        sku: product.sku,
        productCategory: product.productCategory,
        units: 0,
      };
      entry.units++;
      units.set(product.sku, entry);
    }
  }
  return { skuOf, units };
}

export interface SkuComplaints {
  sku: string;
  productCategory: string;
  unitsSold: number;
  complaints: number;
  /** Complaints per unit sold. */
  complaintRate: number | null;
  byCategory: Record<string, number>;
}

/** Complaints about a purchase, by the purchase's SKU (complaints about no purchase are left out). */
export function complaintsBySku(profiles: readonly CustomerProfileState[]): SkuComplaints[] {
  const { skuOf, units } = indexSkus(profiles);
  const rows = new Map<string, SkuComplaints>();
  for (const u of units.values()) {
    rows.set(u.sku, {
      sku: u.sku,
      productCategory: u.productCategory,
      unitsSold: u.units,
      complaints: 0,
      complaintRate: null,
      byCategory: {},
    });
  }
  for (const p of profiles) {
    for (const c of Object.values(p.complaints)) {
      const sku = c.purchaseId ? skuOf.get(c.purchaseId) : undefined;
      const row = sku ? rows.get(sku) : undefined;
      if (!row) continue;
      row.complaints++;
      row.byCategory[c.category] = (row.byCategory[c.category] ?? 0) + 1;
    }
  }
  return [...rows.values()]
    .map((r) => ({ ...r, complaintRate: rate(r.complaints, r.unitsSold) }))
    .sort((a, b) => (b.complaintRate ?? 0) - (a.complaintRate ?? 0) || a.sku.localeCompare(b.sku));
}

export interface SkuRepairs {
  sku: string;
  productCategory: string;
  unitsSold: number;
  repairs: number;
  /** Repairs per unit sold. */
  repairRate: number | null;
  /** Serials of this SKU repaired more than once. */
  repeatRepairSerials: number;
  byDefect: { defectCode: string; repairs: number; rate: number | null }[];
}

export function repairsBySku(profiles: readonly CustomerProfileState[]): SkuRepairs[] {
  const { skuOf, units } = indexSkus(profiles);
  const rows = new Map<
    string,
    {
      sku: string;
      productCategory: string;
      unitsSold: number;
      repairs: number;
      defects: Map<string, number>;
      serials: Map<string, number>;
    }
  >();
  for (const u of units.values()) {
    rows.set(u.sku, {
      sku: u.sku,
      productCategory: u.productCategory,
      unitsSold: u.units,
      repairs: 0,
      defects: new Map(),
      serials: new Map(),
    });
  }
  for (const p of profiles) {
    for (const r of p.repairs) {
      const sku = skuOf.get(r.purchaseId);
      const row = sku ? rows.get(sku) : undefined;
      if (!row) continue;
      row.repairs++;
      row.defects.set(r.defectCode, (row.defects.get(r.defectCode) ?? 0) + 1);
      row.serials.set(r.serialNumber, (row.serials.get(r.serialNumber) ?? 0) + 1);
    }
  }
  return [...rows.values()]
    .map((r) => ({
      sku: r.sku,
      productCategory: r.productCategory,
      unitsSold: r.unitsSold,
      repairs: r.repairs,
      repairRate: rate(r.repairs, r.unitsSold),
      repeatRepairSerials: [...r.serials.values()].filter((n) => n > 1).length,
      byDefect: [...r.defects.entries()]
        .map(([defectCode, repairs]) => ({ defectCode, repairs, rate: rate(repairs, r.unitsSold) }))
        .sort((a, b) => b.repairs - a.repairs || a.defectCode.localeCompare(b.defectCode)),
    }))
    .sort((a, b) => (b.repairRate ?? 0) - (a.repairRate ?? 0) || a.sku.localeCompare(b.sku));
}

export interface ProductWarrantyCost {
  productCategory: string;
  sku: string;
  claims: number;
  approved: number;
  rejected: number;
  needsReview: number;
  pending: number;
  overridden: number;
  /** Paid (fulfilled) or committed (approved, not yet fulfilled), by currency. */
  costByCurrency: Record<string, number>;
}

/** Warranty cost by product (category and SKU, as the decision's purchase snapshot names them). */
export function warrantyCostByProduct(
  claims: readonly WarrantyClaimState[],
): ProductWarrantyCost[] {
  const rows = new Map<string, ProductWarrantyCost>();
  for (const c of claims) {
    const productCategory = c.productCategory ?? 'unknown';
    const sku = c.sku ?? 'unknown';
    const id = `${productCategory}\u0000${sku}`;
    const row = rows.get(id) ?? {
      productCategory,
      sku,
      claims: 0,
      approved: 0,
      rejected: 0,
      needsReview: 0,
      pending: 0,
      overridden: 0,
      costByCurrency: {},
    };
    row.claims++;
    if (c.outcome === 'approved') row.approved++;
    else if (c.outcome === 'rejected') row.rejected++;
    else if (c.outcome === 'needs_review') row.needsReview++;
    else row.pending++;
    if (c.overrides.length > 0) row.overridden++;
    const cost = warrantyClaimCost(c);
    const currency = c.fulfilment?.currency ?? c.currency;
    if (cost > 0 && currency)
      row.costByCurrency[currency] = round2((row.costByCurrency[currency] ?? 0) + cost);
    rows.set(id, row);
  }
  return [...rows.values()].sort(
    (a, b) => a.productCategory.localeCompare(b.productCategory) || a.sku.localeCompare(b.sku),
  );
}

export interface CohortRetention {
  /** Month of the first purchase, YYYY-MM. */
  cohort: string;
  customers: number;
  /** Share of the cohort buying again in each later month (offset 1 = the month after). */
  months: { offset: number; month: string; active: number; rate: number | null }[];
}

export function monthIndex(month: string): number {
  return Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;
}

export function monthName(index: number): string {
  return `${String(Math.floor(index / 12)).padStart(4, '0')}-${String((index % 12) + 1).padStart(2, '0')}`;
}

/**
 * Cohort retention: customers grouped by the month of their first purchase; for each later
 * month up to the month of `now`, the share that purchased in that month. Purchases after `now`
 * are ignored, so the report can be stated as of a date.
 */
export function cohortRetention(
  profiles: readonly CustomerProfileState[],
  now: string,
  maxOffset = 24,
): CohortRetention[] {
  const nowMonth = monthIndex(monthOf(now));
  const nowDay = now.slice(0, 10);
  const cohorts = new Map<number, { customers: number; active: Map<number, number> }>();
  for (const p of profiles) {
    const days = purchaseDays(p).filter((d) => d.day <= nowDay);
    if (days.length === 0) continue;
    const first = monthIndex(days[0].day.slice(0, 7));
    const cohort = cohorts.get(first) ?? { customers: 0, active: new Map<number, number>() };
    cohort.customers++;
    const activeMonths = new Set(days.map((d) => monthIndex(d.day.slice(0, 7)) - first));
    for (const offset of activeMonths) {
      if (offset > 0) cohort.active.set(offset, (cohort.active.get(offset) ?? 0) + 1);
    }
    cohorts.set(first, cohort);
  }
  return [...cohorts.entries()]
    .sort(([a], [b]) => a - b)
    .map(([first, c]) =>
      cohortRow(first, c.customers, (offset) => c.active.get(offset) ?? 0, nowMonth, maxOffset),
    );
}

/** One cohort's row: the share active in each month after the first, up to `nowMonth`. */
export function cohortRow(
  first: number,
  customers: number,
  activeAt: (offset: number) => number,
  nowMonth: number,
  maxOffset: number,
): CohortRetention {
  const months: CohortRetention['months'] = [];
  for (let offset = 1; offset <= Math.min(maxOffset, nowMonth - first); offset++) {
    const active = activeAt(offset);
    months.push({
      offset,
      month: monthName(first + offset),
      active,
      rate: rate(active, customers),
    });
  }
  return { cohort: monthName(first), customers, months };
}
