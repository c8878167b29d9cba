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

  it('give the cohort retention of the profiles as of any day after the last purchase', () => {
    const last = lastPurchaseDayOf(buckets)!;
    for (const now of [`${last}T23:59:59.999Z`, '2030-06-30T00:00:00.000Z']) {
      const fromProfiles = cohortRetention(profiles, now);
      expect(fromProfiles.length).toBeGreaterThan(6);
      expect(cohortRetentionFromBuckets(buckets, now)).toEqual(fromProfiles);
    }
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
