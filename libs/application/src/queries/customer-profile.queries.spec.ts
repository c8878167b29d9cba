// The folds' journey fixtures: spec helpers of the projections library, not part of its exports.
import {
  acknowledged,
  claimDecided,
  claimFiled,
  claimFulfilled,
  complaint,
  CUSTOMER,
  purchase,
  refunded,
  repair,
  resolved,
} from '../../../projections/src/journey.fixtures';
import { given } from '../../../projections/src/spec-events';
import { customerProfileProjection, openComplaints } from '@aftercare/projections';
import { afterSalesCost, claimIdsOf, openClaims } from './customer-profile.queries';

describe('customer profile queries', () => {
  it('tracks open complaints and claims until they are closed', () => {
    const state = given(customerProfileProjection, CUSTOMER, [
      purchase('p1', '2024-02-01T10:00:00Z'),
      complaint('c1', '2024-02-05T10:00:00Z'),
      acknowledged('c1', '2024-02-05T12:00:00Z'),
      complaint('c2', '2024-02-06T10:00:00Z'),
      resolved('c2', '2024-02-07T10:00:00Z'),
      claimFiled('w1', 'p1', '2024-03-01T10:00:00Z'),
    ]);
    expect(openComplaints(state).map((c) => [c.complaintId, c.acknowledgedAt])).toEqual([
      ['c1', '2024-02-05T12:00:00Z'],
    ]);
    expect(openClaims(state).map((c) => c.claimId)).toEqual(['w1']);
    expect(claimIdsOf(state)).toEqual(['w1']);
  });

  it('counts after-sales cost once: a repair fulfilling an approved claim is the claim', () => {
    const state = given(customerProfileProjection, CUSTOMER, [
      purchase('p1', '2024-02-01T10:00:00Z', 300),
      claimFiled('w1', 'p1', '2024-03-01T10:00:00Z'),
      claimDecided('w1', 'p1', '2024-03-01T10:00:00Z', 'approved', 80),
      repair('r1', 'p1', '2024-03-05T10:00:00Z', 'warranty', 75, 'w1'),
      claimFulfilled('w1', '2024-03-05T10:00:00Z', 75),
      repair('r2', 'p1', '2024-04-05T10:00:00Z', 'goodwill', 20),
      repair('r3', 'p1', '2024-05-05T10:00:00Z', 'customer', 99),
      refunded('ret1', 'p1', '2024-06-01T10:00:00Z', 50),
    ]);
    expect(afterSalesCost(state)).toEqual({
      EUR: { currency: 'EUR', repairs: 20, refunds: 50, warrantyClaims: 75, total: 145 },
    });
    expect(openClaims(state)).toEqual([]);
  });
});
