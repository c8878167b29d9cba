import { CUSTOMER_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent, customerIdOf, dayOf } from './event-data';

/**
 * Complaints and repairs by SKU and cohort retention, kept as running totals so a report reads a
 * few hundred small rows instead of every customer profile (seconds at 72,000 customers).
 *
 * A keyed fold cannot join, and these reports do: a complaint or a repair names a purchase, not a
 * SKU, and a customer's cohort is the month of their first purchase. So customers are spread over
 * `PRODUCT_BUCKETS` buckets by a hash of their id; a bucket holds what its customers' joins need
 * (each purchase's SKU, each customer's purchase months) and the totals they add up to. The join
 * data is kept as tab-separated lines in one string per bucket: a report parses a string far
 * faster than an object with thousands of keys, and never reads those lines.
 */

/** How many buckets: few enough for a report to read quickly, many enough to keep each small. */
export const PRODUCT_BUCKETS = 256;

export interface SkuTotals {
  productCategory: string;
  unitsSold: number;
  complaints: number;
  complaintsByCategory: Record<string, number>;
  repairs: number;
  repairsByDefect: Record<string, number>;
  /** Serials of this SKU repaired more than once (for one customer of the bucket). */
  repeatRepairSerials: number;
}

export interface CohortTotals {
  customers: number;
  /** Customers of the cohort who bought in the month `offset` months after their first. */
  active: Record<string, number>;
}

export interface ProductBucketState {
  bucket: string;
  /** `purchaseId \t sku \n` for each purchase of the bucket's customers. */
  purchases: string;
  /** `customerId \t YYYY-MM,YYYY-MM… \n`: the months each customer bought in, ascending. */
  customerMonths: string;
  /** `serialNumber \t repairs (1, or 2 for more) \n` for each serial repaired. */
  repairedSerials: string;
  skus: Record<string, SkuTotals>;
  /** By month of the first purchase, YYYY-MM. */
  cohorts: Record<string, CohortTotals>;
  /** The latest day a purchase of the bucket happened on (a cohort report as of an earlier
   *  day cannot be read from the totals). */
  lastPurchaseDay: string | null;
}

/** FNV-1a over the id: a stable bucket for each customer. */
export function productBucketOf(customerId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < customerId.length; i++) {
    hash ^= customerId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return `b${String((hash >>> 0) % PRODUCT_BUCKETS).padStart(3, '0')}`;
}

/** The value of `key`'s line in tab-separated lines, or undefined. */
export function lineValue(lines: string, key: string): string | undefined {
  const at = lines.startsWith(`${key}\t`) ? 0 : lines.indexOf(`\n${key}\t`) + 1;
  if (at === 0 && !lines.startsWith(`${key}\t`)) return undefined;
  const start = at + key.length + 1;
  const end = lines.indexOf('\n', start);
  return lines.slice(start, end < 0 ? undefined : end);
}

/** The lines with `key`'s line set to `value` (added at the end when missing). */
export function withLine(lines: string, key: string, value: string): string {
  const old = lineValue(lines, key);
  if (old === undefined) return `${lines}${key}\t${value}\n`;
  const line = `${key}\t${old}\n`;
  const at = lines.startsWith(line) ? 0 : lines.indexOf(`\n${line}`) + 1;
  return `${lines.slice(0, at)}${key}\t${value}\n${lines.slice(at + line.length)}`;
}

/** Ids and SKUs as line keys and values: tabs and line breaks become spaces. */
const oneLine = (value: string): string => value.replace(/[\t\n\r]/g, ' ');

const monthIndex = (month: string): number =>
  Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;

function bump(record: Record<string, number>, key: string, by: number): Record<string, number> {
  const next = { ...record, [key]: (record[key] ?? 0) + by };
  if (next[key] === 0) delete next[key];
  return next;
}

/** Adds (sign 1) or removes (sign -1) one customer's months from the cohort totals. */
function countCohort(
  cohorts: Record<string, CohortTotals>,
  months: readonly string[],
  sign: 1 | -1,
): Record<string, CohortTotals> {
  const first = months[0];
  if (first === undefined) return cohorts;
  const cohort = cohorts[first] ?? { customers: 0, active: {} };
  let active = cohort.active;
  for (const month of months.slice(1)) {
    active = bump(active, String(monthIndex(month) - monthIndex(first)), sign);
  }
  const next = { ...cohorts, [first]: { customers: cohort.customers + sign, active } };
  if (next[first].customers === 0) delete next[first];
  return next;
}

function withSku(
  state: ProductBucketState,
  sku: string,
  change: (totals: SkuTotals) => SkuTotals,
): ProductBucketState {
  const totals = state.skus[sku];
  return totals ? { ...state, skus: { ...state.skus, [sku]: change(totals) } } : state;
}

export function emptySkuTotals(productCategory: string): SkuTotals {
  return {
    productCategory,
    unitsSold: 0,
    complaints: 0,
    complaintsByCategory: {},
    repairs: 0,
    repairsByDefect: {},
    repeatRepairSerials: 0,
  };
}

export function initialProductBucket(bucket: string): ProductBucketState {
  return {
    bucket,
    purchases: '',
    customerMonths: '',
    repairedSerials: '',
    skus: {},
    cohorts: {},
    lastPurchaseDay: null,
  };
}

export function evolveProductBucket(
  state: ProductBucketState,
  recorded: RecordedEvent,
): ProductBucketState {
  const event = asAftercareEvent(recorded);
  if (!event) return state;
  switch (event.type) {
    case 'PurchaseRecorded': {
      const d = event.data;
      if (lineValue(state.purchases, oneLine(d.purchaseId)) !== undefined) return state;
      const sku = oneLine(d.sku);
      const totals = state.skus[sku] ?? emptySkuTotals(d.productCategory);
      const day = dayOf(d.occurredAt);
      const customer = oneLine(d.customerId);
      const before = lineValue(state.customerMonths, customer)?.split(',') ?? [];
      const month = day.slice(0, 7);
      let { cohorts, customerMonths } = state;
      if (!before.includes(month)) {
        const after = [...before, month].sort();
        cohorts = countCohort(countCohort(cohorts, before, -1), after, 1);
        customerMonths = withLine(customerMonths, customer, after.join(','));
      }
      return {
        ...state,
        purchases: `${state.purchases}${oneLine(d.purchaseId)}\t${sku}\n`,
        customerMonths,
        skus: { ...state.skus, [sku]: { ...totals, unitsSold: totals.unitsSold + 1 } },
        cohorts,
        lastPurchaseDay:
          state.lastPurchaseDay === null || day > state.lastPurchaseDay
            ? day
            : state.lastPurchaseDay,
      };
    }
    case 'ComplaintFiled': {
      const d = event.data;
      const sku = d.purchaseId ? lineValue(state.purchases, oneLine(d.purchaseId)) : undefined;
      if (sku === undefined) return state;
      return withSku(state, sku, (t) => ({
        ...t,
        complaints: t.complaints + 1,
        complaintsByCategory: bump(t.complaintsByCategory, d.category, 1),
      }));
    }
    case 'RepairCompleted': {
      const d = event.data;
      const sku = lineValue(state.purchases, oneLine(d.purchaseId));
      if (sku === undefined) return state;
      const seen = lineValue(state.repairedSerials, oneLine(d.serialNumber));
      const repeat = seen === '1';
      return withSku(
        {
          ...state,
          repairedSerials:
            seen === '2'
              ? state.repairedSerials
              : withLine(state.repairedSerials, oneLine(d.serialNumber), seen ? '2' : '1'),
        },
        sku,
        (t) => ({
          ...t,
          repairs: t.repairs + 1,
          repairsByDefect: bump(t.repairsByDefect, d.defectCode, 1),
          repeatRepairSerials: t.repeatRepairSerials + (repeat ? 1 : 0),
        }),
      );
    }
    default:
      return state;
  }
}

export const productPopulationProjection: Projection<ProductBucketState> = {
  name: 'product_population',
  version: 1,
  filter: {
    categories: [CUSTOMER_STREAM_CATEGORY],
    eventTypePrefixes: ['PurchaseRecorded', 'ComplaintFiled', 'RepairCompleted'],
  },
  keyOf: (event) => {
    const customerId = customerIdOf(event);
    return customerId === undefined ? undefined : productBucketOf(customerId);
  },
  initialState: initialProductBucket,
  evolve: evolveProductBucket,
};
