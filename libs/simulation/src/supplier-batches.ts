/**
 * Supplier batches (lots) of the simulated shop's serialised products, and the option that plants
 * a bad one. Each SKU changes lot every half-year (January and July) and is made on two lines at
 * once, A and B, so a lot is `<year>H<half>-<line>`, e.g. `2023H2-A`. A unit's lot follows from
 * when it was sold and, for the line, from its serial number: no draw from the world's random
 * streams is spent, so a world seeded without a bad batch is the world it always was, with a
 * batch on each serialised purchase.
 */
import { PRODUCTS } from './catalogue';

/** A batch of one SKU whose units are `factor` times as likely to develop a defect. */
export type BadBatchOption = {
  sku: string;
  /** From this date (ISO) the SKU's line-A units are bad, until their lot ends. */
  from: string;
  /** How many times as likely a unit of the batch is to develop a defect (> 1). */
  factor: number;
  /**
   * The defect code the extra defects carry (a bad component fails one way); the SKU's first
   * code when absent.
   */
  defectCode?: string;
};

/** The bad batch as the simulation uses it: which units, and what their extra defects are. */
export type ResolvedBadBatch = {
  sku: string;
  supplierBatch: string;
  fromMs: number;
  /** The lot's end (exclusive): units sold from then on are in the next lot. */
  untilMs: number;
  factor: number;
  defectCode: string;
};

/** The half-year lot holding an instant, and when it ends. */
function lotAt(ms: number): { year: number; half: 1 | 2; endMs: number } {
  const d = new Date(ms);
  const year = d.getUTCFullYear();
  const half = d.getUTCMonth() < 6 ? 1 : 2;
  const endMs = half === 1 ? Date.UTC(year, 6, 1) : Date.UTC(year + 1, 0, 1);
  return { year, half, endMs };
}

/** Line A or B, from the serial's last character (the serials end in random hex). */
function lineOf(serialNumber: string): 'A' | 'B' {
  return serialNumber.charCodeAt(serialNumber.length - 1) % 2 === 0 ? 'A' : 'B';
}

/** The lot a serialised unit sold at `soldAtMs` came from. */
export function supplierBatchOf(serialNumber: string, soldAtMs: number): string {
  const { year, half } = lotAt(soldAtMs);
  return `${year}H${half}-${lineOf(serialNumber)}`;
}

/** Checks the option against the catalogue and names the batch it plants. */
export function resolveBadBatch(option: BadBatchOption): ResolvedBadBatch {
  const product = PRODUCTS.find((p) => p.sku === option.sku);
  if (!product || !product.hasSerial) {
    throw new RangeError(
      `badBatch.sku must be a serialised SKU of the catalogue, got ${option.sku}`,
    );
  }
  const fromMs = Date.parse(option.from);
  if (Number.isNaN(fromMs))
    throw new RangeError(`badBatch.from must be a date, got ${option.from}`);
  if (!Number.isFinite(option.factor) || option.factor <= 1) {
    throw new RangeError(`badBatch.factor must be above 1, got ${option.factor}`);
  }
  const defectCode = option.defectCode ?? product.defectCodes[0];
  if (!product.defectCodes.includes(defectCode)) {
    throw new RangeError(
      `badBatch.defectCode must be one of ${product.sku}'s codes (${product.defectCodes.join(', ')}), got ${defectCode}`,
    );
  }
  const lot = lotAt(fromMs);
  return {
    sku: product.sku,
    supplierBatch: `${lot.year}H${lot.half}-A`,
    fromMs,
    untilMs: lot.endMs,
    factor: option.factor,
    defectCode,
  };
}

/** Whether a unit is of the bad batch and sold after the batch turned bad. */
export function inBadBatch(
  bad: ResolvedBadBatch | undefined,
  sku: string,
  supplierBatch: string | undefined,
  soldAtMs: number,
): boolean {
  return (
    bad !== undefined &&
    sku === bad.sku &&
    supplierBatch === bad.supplierBatch &&
    soldAtMs >= bad.fromMs &&
    soldAtMs < bad.untilMs
  );
}
