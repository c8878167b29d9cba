import { type CusumPeriod, type PoissonCusumOptions, poissonCusum } from '@aftercare/analytics';
import { entryOf } from '@aftercare/domain';
import type { CustomerProfileState } from './customer-profile.state';
import { addTo, monthOf } from './event-data';
import { inPlace, withEntry } from './ownership';
import type { WarrantyClaimState } from './warranty-claims.projection';

/**
 * Defect rates per unit in service, by SKU and defect code and calendar month, and the Poisson
 * CUSUM that says when one is rising (docs/defects.md). Pure: the report builds the counts from
 * the read models, the signal processor from the events as they come; both judge them here.
 *
 * - A unit in service is a purchase with a serial number, from its purchase on (refunds are not
 *   taken out: the read models do not date them).
 * - A defect is a warranty claim filed (its defect code, the claimed purchase's SKU), or a repair
 *   under no claim (its defect code); a repair that fulfils a claim is that claim's defect.
 * - Exposure in a month: the units bought before it plus half of those bought during it.
 */

export interface DefectCounts {
  /** Serialised units bought, by SKU and month (YYYY-MM). */
  units: Record<string, { productCategory: string; byMonth: Record<string, number> }>;
  /** Defects by SKU, then defect code, then month. */
  defects: Record<string, Record<string, Record<string, number>>>;
  /** Serialised units by SKU, supplier batch (NO_BATCH where not recorded), then month sold. */
  batchUnits: Record<string, Record<string, Record<string, number>>>;
  /**
   * Defects of serialised units by SKU, defect code, supplier batch, the unit's month sold, then
   * the defect's month: a batch is judged against the other batches at the same unit age.
   */
  batchDefects: Record<
    string,
    Record<string, Record<string, Record<string, Record<string, number>>>>
  >;
}

/** The batch key of units recorded without a supplier batch (no batch can be empty). */
export const NO_BATCH = '';

/** The serialised unit a defect was found on: its batch and when it was sold. */
export interface DefectUnit {
  supplierBatch: string | null;
  soldAt: string;
}

export function emptyDefectCounts(): DefectCounts {
  return { units: {}, defects: {}, batchUnits: {}, batchDefects: {} };
}

/** The entry under `key`, created empty when missing (own keys only: SKUs are user input). */
function entry<T>(record: Record<string, T>, key: string, empty: () => T): T {
  const held = entryOf(record, key);
  if (held !== undefined) return held;
  const created = empty();
  withEntry(inPlace, record, key, created);
  return created;
}

/** Adds one unit in service (mutates `counts`: callers own their counts). */
export function addUnit(
  counts: DefectCounts,
  sku: string,
  productCategory: string,
  at: string,
  supplierBatch: string | null = null,
) {
  const unit = entry(counts.units, sku, () => ({ productCategory, byMonth: {} }));
  addTo(unit.byMonth, monthOf(at), 1);
  const byBatch = entry(counts.batchUnits, sku, () => ({}));
  addTo(
    entry(byBatch, supplierBatch ?? NO_BATCH, () => ({})),
    monthOf(at),
    1,
  );
}

/** Adds one defect (mutates `counts`); by batch too when the serialised unit is known. */
export function addDefect(
  counts: DefectCounts,
  sku: string,
  defectCode: string,
  at: string,
  unit?: DefectUnit,
) {
  const byCode = entry(counts.defects, sku, () => ({}));
  addTo(
    entry(byCode, defectCode, () => ({})),
    monthOf(at),
    1,
  );
  if (!unit) return;
  const byBatch = entry(
    entry(counts.batchDefects, sku, () => ({})),
    defectCode,
    () => ({}),
  );
  const bySold = entry(byBatch, unit.supplierBatch ?? NO_BATCH, () => ({}));
  addTo(
    entry(bySold, monthOf(unit.soldAt), () => ({})),
    monthOf(at),
    1,
  );
}

/** The counts from the read models: customer profiles (units, repairs) and warranty claims. */
export function defectCountsFrom(
  profiles: readonly CustomerProfileState[],
  claims: readonly WarrantyClaimState[],
): DefectCounts {
  const counts = emptyDefectCounts();
  const skuOf = new Map<string, string>();
  const unitOf = new Map<string, DefectUnit>();
  for (const p of profiles) {
    for (const unit of p.products) {
      skuOf.set(unit.purchaseId, unit.sku);
      if (unit.serialNumber !== null) {
        const supplierBatch = unit.supplierBatch ?? null;
        addUnit(counts, unit.sku, unit.productCategory, unit.purchasedAt, supplierBatch);
        unitOf.set(unit.purchaseId, { supplierBatch, soldAt: unit.purchasedAt });
      }
    }
  }
  for (const p of profiles) {
    for (const r of p.repairs) {
      const sku = skuOf.get(r.purchaseId);
      if (r.warrantyClaimId === null && sku) {
        addDefect(counts, sku, r.defectCode, r.at, unitOf.get(r.purchaseId));
      }
    }
  }
  for (const c of claims) {
    const sku = c.sku ?? (c.purchaseId ? skuOf.get(c.purchaseId) : undefined);
    if (sku && c.defect && c.filedAt) {
      const unit = c.purchaseId ? unitOf.get(c.purchaseId) : undefined;
      addDefect(counts, sku, c.defect.code, c.filedAt, unit);
    }
  }
  return counts;
}

/** Months from `from` to `through` inclusive (YYYY-MM). */
export function monthsBetween(from: string, through: string): string[] {
  const out: string[] = [];
  let [y, m] = from.split('-').map(Number);
  for (let guard = 0; guard < 1200; guard++) {
    const month = `${y}-${String(m).padStart(2, '0')}`;
    if (month > through) break;
    out.push(month);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

export interface DefectMonth extends CusumPeriod {
  month: string;
}

export interface DefectSeries {
  sku: string;
  productCategory: string;
  defectCode: string;
  months: DefectMonth[];
}

/**
 * Every (SKU, defect code) series from the SKU's first unit to `throughMonth`, judged by the
 * Poisson CUSUM (months as periods, exposure in unit-months); only `onlySku`'s when given.
 */
export function defectSeries(
  counts: DefectCounts,
  throughMonth: string,
  options: Partial<PoissonCusumOptions> = {},
  onlySku?: string,
): DefectSeries[] {
  const out: DefectSeries[] = [];
  for (const sku of Object.keys(counts.units).sort()) {
    if (onlySku !== undefined && sku !== onlySku) continue;
    const { productCategory, byMonth } = counts.units[sku];
    const first = Object.keys(byMonth).sort()[0];
    if (!first || first > throughMonth) continue;
    const months = monthsBetween(first, throughMonth);
    let before = 0;
    const exposure = months.map((month) => {
      const bought = byMonth[month] ?? 0;
      const e = before + bought / 2;
      before += bought;
      return e;
    });
    const codes = Object.hasOwn(counts.defects, sku) ? counts.defects[sku] : {};
    for (const defectCode of Object.keys(codes).sort()) {
      const observed = codes[defectCode];
      const judged = poissonCusum(
        months.map((month, i) => ({ exposure: exposure[i], observed: observed[month] ?? 0 })),
        options,
      );
      out.push({
        sku,
        productCategory,
        defectCode,
        months: judged.map((p, i) => ({ month: months[i], ...p })),
      });
    }
  }
  return out;
}
