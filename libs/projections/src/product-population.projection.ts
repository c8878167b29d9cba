import { CUSTOMER_STREAM_CATEGORY, entryOf } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent, customerIdOf, dayOf } from './event-data';
import { copying, inPlace, type Ownership, withEntry } from './ownership';

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

/**
 * How many buckets: few enough for a report to read quickly, many enough to keep each small. A
 * bucket's state is rewritten whole for each purchase, complaint and repair of its customers, and
 * a rebuild folds a bucket's customers together. At 72,000 customers (the seeded world), 1,024
 * buckets of ~70 keep a state at 23 KB on average (256 made them 73 KB) and cost a one-thread
 * rebuild 15.5-17.1 s of CPU against 17.5-18.3 s (4,096: 19.2-19.6 s); each bucket repeats its
 * SKUs' and cohorts' totals, so all of them take 23.5 MB instead of 18.7 MB.
 */
export const PRODUCT_BUCKETS = 1024;

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
  return `b${String((hash >>> 0) % PRODUCT_BUCKETS).padStart(4, '0')}`;
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
  return old === undefined ? `${lines}${key}\t${value}\n` : replaceLine(lines, key, old, value);
}

/** The lines with `key`'s first line, whose value is `old`, set to `value`. */
function replaceLine(lines: string, key: string, old: string, value: string): string {
  const line = `${key}\t${old}\n`;
  const at = lines.startsWith(line) ? 0 : lines.indexOf(`\n${line}`) + 1;
  return `${lines.slice(0, at)}${key}\t${value}\n${lines.slice(at + line.length)}`;
}

/** Ids and SKUs as line keys and values: tabs and line breaks become spaces. */
const oneLine = (value: string): string => value.replace(/[\t\n\r]/g, ' ');

const monthIndex = (month: string): number =>
  Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1;

function bump(how: Ownership, record: Record<string, number>, key: string, by: number) {
  const next = withEntry(how, record, key, (entryOf(record, key) ?? 0) + by);
  if (next[key] === 0) delete next[key];
  return next;
}

/**
 * The cohort totals with one customer's months moved from `before` to `after`: removed from the
 * cohort of their first month, then added to the cohort of the new first month (a cohort left
 * without customers is dropped, and comes back last if re-added).
 */
function moveCohort(
  how: Ownership,
  cohorts: Record<string, CohortTotals>,
  before: readonly string[],
  after: readonly string[],
): Record<string, CohortTotals> {
  const next = how.writable(cohorts);
  count(how, next, before, -1);
  count(how, next, after, 1);
  return next;
}

function count(
  how: Ownership,
  cohorts: Record<string, CohortTotals>,
  months: readonly string[],
  sign: 1 | -1,
) {
  const first = months[0];
  if (first === undefined) return;
  const old = cohorts[first];
  const cohort = old ? how.writable(old) : { customers: 0, active: {} };
  if (months.length > 1) {
    const active = how.writable(cohort.active);
    for (let i = 1; i < months.length; i++) {
      const offset = String(monthIndex(months[i]) - monthIndex(first));
      const customers = (active[offset] ?? 0) + sign;
      if (customers === 0) delete active[offset];
      else active[offset] = customers;
    }
    cohort.active = active;
  }
  cohort.customers += sign;
  if (cohort.customers === 0) delete cohorts[first];
  else cohorts[first] = cohort;
}

/** The state with `sku`'s totals changed by `change` (which owns the totals it is given). */
function withSku(
  how: Ownership,
  state: ProductBucketState,
  sku: string,
  change: (totals: SkuTotals) => void,
): ProductBucketState {
  const totals = entryOf(state.skus, sku);
  if (!totals) return state;
  const next = how.writable(state);
  const changed = how.writable(totals);
  change(changed);
  next.skus = withEntry(how, state.skus, sku, changed);
  return next;
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

/**
 * A bucket's join data as maps (the value of each key's first line, as `lineValue` reads it),
 * so that a fold does not search the ever longer lines for each event. Built from the lines once
 * and handed from each state to the next one `evolveProductBucket` returns: only the newest state
 * of a fold holds them, any other state is read from its lines again. The results are the same
 * either way; only the time differs (a rebuild folds hundreds of purchases into each bucket).
 */
interface BucketLookups {
  skuOf: Map<string, string>;
  monthsOf: Map<string, string>;
}

const lookups = new WeakMap<ProductBucketState, BucketLookups>();

function linesMap(lines: string): Map<string, string> {
  const map = new Map<string, string>();
  let start = 0;
  while (start < lines.length) {
    let end = lines.indexOf('\n', start);
    if (end < 0) end = lines.length;
    const tab = lines.indexOf('\t', start);
    if (tab >= 0 && tab < end) {
      const key = lines.slice(start, tab);
      if (!map.has(key)) map.set(key, lines.slice(tab + 1, end));
    }
    start = end + 1;
  }
  return map;
}

/** Takes the lookups of `state` (built from its lines if it has none). */
function takeLookups(state: ProductBucketState): BucketLookups {
  const held = lookups.get(state);
  if (!held) {
    return { skuOf: linesMap(state.purchases), monthsOf: linesMap(state.customerMonths) };
  }
  lookups.delete(state);
  return held;
}

function handOn(state: ProductBucketState, held: BucketLookups): ProductBucketState {
  lookups.set(state, held);
  return state;
}

export function evolveProductBucket(
  state: ProductBucketState,
  recorded: RecordedEvent,
): ProductBucketState {
  return foldBucket(copying, state, recorded);
}

/** `evolveProductBucket` changing `state` in place (for a fold that owns it). */
export function evolveProductBucketInPlace(
  state: ProductBucketState,
  recorded: RecordedEvent,
): ProductBucketState {
  return foldBucket(inPlace, state, recorded);
}

function foldBucket(
  how: Ownership,
  state: ProductBucketState,
  recorded: RecordedEvent,
): ProductBucketState {
  const event = asAftercareEvent(recorded);
  if (!event) return state;
  switch (event.type) {
    case 'PurchaseRecorded': {
      const d = event.data;
      const held = takeLookups(state);
      const purchaseId = oneLine(d.purchaseId);
      if (held.skuOf.has(purchaseId)) return handOn(state, held);
      const sku = oneLine(d.sku);
      const old = entryOf(state.skus, sku);
      const totals = old ? how.writable(old) : emptySkuTotals(d.productCategory);
      totals.unitsSold += 1;
      const day = dayOf(d.occurredAt);
      const customer = oneLine(d.customerId);
      const next = how.writable(state);
      const oldMonths = held.monthsOf.get(customer);
      const before = oldMonths?.split(',') ?? [];
      const month = day.slice(0, 7);
      if (!before.includes(month)) {
        const after = [...before, month].sort();
        const value = after.join(',');
        next.cohorts = moveCohort(how, state.cohorts, before, after);
        next.customerMonths =
          oldMonths === undefined
            ? `${state.customerMonths}${customer}\t${value}\n`
            : replaceLine(state.customerMonths, customer, oldMonths, value);
        held.monthsOf.set(customer, value);
      }
      held.skuOf.set(purchaseId, sku);
      next.purchases = `${state.purchases}${purchaseId}\t${sku}\n`;
      next.skus = withEntry(how, state.skus, sku, totals);
      if (state.lastPurchaseDay === null || day > state.lastPurchaseDay) next.lastPurchaseDay = day;
      return handOn(next, held);
    }
    case 'ComplaintFiled': {
      const d = event.data;
      const held = takeLookups(state);
      const sku = d.purchaseId ? held.skuOf.get(oneLine(d.purchaseId)) : undefined;
      if (sku === undefined) return handOn(state, held);
      return handOn(
        withSku(how, state, sku, (t) => {
          t.complaints += 1;
          t.complaintsByCategory = bump(how, t.complaintsByCategory, d.category, 1);
        }),
        held,
      );
    }
    case 'RepairCompleted': {
      const d = event.data;
      const held = takeLookups(state);
      const sku = held.skuOf.get(oneLine(d.purchaseId));
      if (sku === undefined) return handOn(state, held);
      const serial = oneLine(d.serialNumber);
      const seen = lineValue(state.repairedSerials, serial);
      let next = state;
      if (seen !== '2') {
        next = how.writable(state);
        next.repairedSerials = withLine(state.repairedSerials, serial, seen ? '2' : '1');
      }
      return handOn(
        withSku(how, next, sku, (t) => {
          t.repairs += 1;
          t.repairsByDefect = bump(how, t.repairsByDefect, d.defectCode, 1);
          if (seen === '1') t.repeatRepairSerials += 1;
        }),
        held,
      );
    }
    default:
      return state;
  }
}

export const productPopulationProjection: Projection<ProductBucketState> = {
  name: 'product_population',
  // 2: SKUs and defect codes named like Object.prototype members (`constructor`, `__proto__`) are
  // counted as any other; a version 1 state may hold them as broken totals, so it is rebuilt.
  // 3: 1,024 buckets instead of 256 (keys `b0000`-`b1023`): customers change buckets.
  version: 3,
  filter: {
    categories: [CUSTOMER_STREAM_CATEGORY],
    eventTypePrefixes: ['PurchaseRecorded', 'ComplaintFiled', 'RepairCompleted'],
  },
  keyOf: (event) => {
    const customerId = customerIdOf(event);
    return customerId === undefined ? undefined : productBucketOf(customerId);
  },
  customerScope: productBucketOf,
  initialState: initialProductBucket,
  evolve: evolveProductBucket,
  evolveInPlace: evolveProductBucketInPlace,
};
