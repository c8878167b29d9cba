import {
  cohortRetention,
  cohortRetentionFromBuckets,
  complaintsBySku,
  complaintsBySkuFromBuckets,
  customerProfileProjection,
  type CustomerProfileState,
  lastPurchaseDayOf,
  type ProductBucketState,
  productPopulationProjection,
  repairsBySku,
  repairsBySkuFromBuckets,
  type SkuComplaints,
  type SkuRepairs,
} from '@aftercare/projections';
import { foldByKey, seededWorldEvents } from '../testing/seeded-world-events';

describe('product population totals', () => {
  // A simulated world, recorded in its append order.
  const events = seededWorldEvents({ customers: 300, seed: 'population-totals' });
  const profiles: CustomerProfileState[] = foldByKey(customerProfileProjection, events);
  const buckets: ProductBucketState[] = foldByKey(productPopulationProjection, events);

  it('give the complaint and repair rates by SKU that the customer profiles give', () => {
    expect(complaintsBySku(profiles).length).toBeGreaterThan(3);
    expect(complaintsBySkuFromBuckets(buckets)).toEqual(complaintsBySku(profiles));
    expect(repairsBySku(profiles).some((r) => r.repairs > 0)).toBe(true);
    expect(repairsBySkuFromBuckets(buckets)).toEqual(repairsBySku(profiles));
  });

  it('count SKUs and defect codes named like Object.prototype members as any other', () => {
    // SKUs and defect codes are the client's words: `__proto__` or `constructor` is one like any.
    const hostile = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
    const field = (e: (typeof events)[number], name: 'sku' | 'defectCode') =>
      (e.data as Record<string, unknown>)[name];
    const skus = [...new Set(events.map((e) => field(e, 'sku')).filter((v) => v !== undefined))];
    const codes = [
      ...new Set(events.map((e) => field(e, 'defectCode')).filter((v) => v !== undefined)),
    ];
    expect(skus.length).toBeGreaterThan(hostile.length);
    expect(codes.length).toBeGreaterThan(hostile.length);
    const to = new Map<unknown, string>(
      hostile.flatMap((n, i) => [
        [skus[i], n],
        [codes[i], n],
      ]),
    );
    const back = (name: string, was: readonly unknown[]) =>
      String(was[hostile.indexOf(name)] ?? name);
    const renamed = events.map((e) => {
      const data = { ...(e.data as Record<string, unknown>) };
      for (const name of ['sku', 'defectCode'] as const) {
        if (to.has(data[name])) data[name] = to.get(data[name]);
      }
      return { ...e, data };
    });
    const renamedBuckets: ProductBucketState[] = foldByKey(productPopulationProjection, renamed);
    const renamedProfiles: CustomerProfileState[] = foldByKey(customerProfileProjection, renamed);
    expect(complaintsBySkuFromBuckets(renamedBuckets)).toEqual(complaintsBySku(renamedProfiles));
    expect(repairsBySkuFromBuckets(renamedBuckets)).toEqual(repairsBySku(renamedProfiles));

    // Renamed back, the figures are those of the world as it was.
    const bySku = <Row extends { sku: string }>(rows: Row[], fix: (row: Row) => Row) =>
      new Map(rows.map((row) => [back(row.sku, skus), fix({ ...row, sku: back(row.sku, skus) })]));
    const sameComplaints = (row: SkuComplaints) => row;
    const sameRepairs = (row: SkuRepairs): SkuRepairs => ({
      ...row,
      byDefect: row.byDefect
        .map((d) => ({ ...d, defectCode: back(d.defectCode, codes) }))
        .sort((a, b) => b.repairs - a.repairs || a.defectCode.localeCompare(b.defectCode)),
    });
    expect(bySku(complaintsBySkuFromBuckets(renamedBuckets), sameComplaints)).toEqual(
      bySku(complaintsBySkuFromBuckets(buckets), sameComplaints),
    );
    expect(bySku(repairsBySkuFromBuckets(renamedBuckets), sameRepairs)).toEqual(
      bySku(repairsBySkuFromBuckets(buckets), sameRepairs),
    );
  });

  it('give the cohort retention of the profiles as of any day after the last purchase', () => {
    const last = lastPurchaseDayOf(buckets)!;
    for (const now of [`${last}T23:59:59.999Z`, '2030-06-30T00:00:00.000Z']) {
      const fromProfiles = cohortRetention(profiles, now);
      expect(fromProfiles.length).toBeGreaterThan(6);
      expect(cohortRetentionFromBuckets(buckets, now)).toEqual(fromProfiles);
    }
  });

  it('fold to the same buckets in one go as from their stored JSON after every event', () => {
    // The live runtime folds onto states read back from the read model; a rebuild folds a bucket
    // in one go, the join data's lookups handed on from state to state.
    const { keyOf, initialState, evolve } = productPopulationProjection;
    const stored = new Map<string, string>();
    for (const event of events) {
      const key = keyOf(event);
      if (key === undefined) continue;
      const json = stored.get(key);
      const state =
        json === undefined ? initialState(key) : (JSON.parse(json) as ProductBucketState);
      stored.set(key, JSON.stringify(evolve(state, event)));
    }
    expect(buckets.some((b) => b.customerMonths.split('\n').length > 3)).toBe(true);
    expect(new Map(buckets.map((b) => [b.bucket, JSON.stringify(b)]))).toEqual(stored);
  });

  it('fold an earlier state again as the first time (the lookups stay with the newest state)', () => {
    const { keyOf, initialState, evolve } = productPopulationProjection;
    const purchases = events.filter((e) => e.type === 'PurchaseRecorded');
    const key = keyOf(purchases[0])!;
    const ofBucket = events.filter((e) => keyOf(e) === key);
    const at = ofBucket.indexOf(purchases.filter((e) => keyOf(e) === key)[1]);
    const earlier = ofBucket.slice(0, at).reduce(evolve, initialState(key));
    const first = evolve(earlier, ofBucket[at]);
    expect(first).not.toBe(earlier);
    expect(evolve(earlier, ofBucket[at])).toEqual(first);
    expect(JSON.stringify(evolve(earlier, ofBucket[at]))).toBe(JSON.stringify(first));
  });

  it('count a purchase once when its event is delivered twice, and spread customers over buckets', () => {
    const purchase = events.find((e) => e.type === 'PurchaseRecorded')!;
    const key = productPopulationProjection.keyOf(purchase)!;
    const once = productPopulationProjection.evolve(
      productPopulationProjection.initialState(key),
      purchase,
    );
    expect(productPopulationProjection.evolve(once, purchase)).toBe(once);
    expect(buckets.length).toBeGreaterThan(100);
  });
});
