import { eventfulJourney, foldFrozen } from './testing/purity';
import {
  customerProfileProjection,
  openComplaints,
  purchaseDays,
  purchaseTransactions,
} from './customer-profile.projection';
import {
  acknowledged,
  claimFiled,
  complaint,
  CUSTOMER,
  delivered,
  piiErased,
  purchase,
  registered,
  resolved,
} from './journey.fixtures';
import { given, recorded } from './spec-events';

describe('customer profile projection', () => {
  it('given purchases, then counts them, sums revenue and merges same-day purchases for RFM', () => {
    const state = given(customerProfileProjection, CUSTOMER, [
      registered(),
      purchase('p1', '2024-02-01T10:00:00Z', 100),
      purchase('p2', '2024-02-01T15:00:00Z', 50),
      purchase('p3', '2024-03-10T09:00:00Z', 70),
      delivered('p1', '2024-02-03T10:00:00Z', true),
    ]);
    expect(state.purchaseCount).toBe(3);
    expect(state.revenueByCurrency).toEqual({ EUR: 220 });
    expect(purchaseDays(state)).toEqual([
      { day: '2024-02-01', count: 2, amountByCurrency: { EUR: 150 } },
      { day: '2024-03-10', count: 1, amountByCurrency: { EUR: 70 } },
    ]);
    expect(purchaseTransactions(state)).toEqual([
      { customerId: CUSTOMER, date: '2024-02-01', amount: 150 },
      { customerId: CUSTOMER, date: '2024-03-10', amount: 70 },
    ]);
    expect(state.products.find((p) => p.purchaseId === 'p1')?.deliveredAt).toBe(
      '2024-02-03T10:00:00Z',
    );
    expect(state.lastPurchaseAt).toBe('2024-03-10T09:00:00Z');
  });

  it('given a late-recorded earlier purchase, then first/last purchase follow business time', () => {
    const state = given(customerProfileProjection, CUSTOMER, [
      purchase('p2', '2024-03-10T09:00:00Z'),
      purchase('p1', '2024-01-05T09:00:00Z'),
    ]);
    expect(state.firstPurchaseAt).toBe('2024-01-05T09:00:00Z');
    expect(state.lastPurchaseAt).toBe('2024-03-10T09:00:00Z');
    expect(purchaseDays(state).map((d) => d.day)).toEqual(['2024-01-05', '2024-03-10']);
  });

  it('keeps only name and email, and drops them for good on erasure', () => {
    const before = given(customerProfileProjection, CUSTOMER, [registered()]);
    expect(before.contact).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(JSON.stringify(before)).not.toContain('+44');
    const after = given(customerProfileProjection, CUSTOMER, [
      registered(),
      piiErased('2024-05-01T00:00:00Z'),
      registered('2024-06-01T00:00:00Z'),
    ]);
    expect(after.piiErased).toBe(true);
    expect(after.contact).toBeNull();
    expect(JSON.stringify(after)).not.toContain('Ada');
  });

  it('tracks open complaints until they are resolved', () => {
    const state = given(customerProfileProjection, CUSTOMER, [
      purchase('p1', '2024-02-01T10:00:00Z'),
      complaint('c1', '2024-02-05T10:00:00Z'),
      acknowledged('c1', '2024-02-05T12:00:00Z'),
      complaint('c2', '2024-02-06T10:00:00Z'),
      resolved('c2', '2024-02-07T10:00:00Z'),
    ]);
    expect(openComplaints(state).map((c) => [c.complaintId, c.acknowledgedAt])).toEqual([
      ['c1', '2024-02-05T12:00:00Z'],
    ]);
  });

  it('keys warranty claim events by the customer they concern and ignores policies', () => {
    const claim = recorded(claimFiled('w1', 'p1', '2024-03-01T10:00:00Z'));
    expect(customerProfileProjection.keyOf(claim)).toBe(CUSTOMER);
    expect(
      customerProfileProjection.columns?.openComplaints(
        customerProfileProjection.initialState('x'),
      ),
    ).toBe(0);
  });

  it('folds without changing any state its caller holds, to the same result', () => {
    const { states } = foldFrozen(
      customerProfileProjection,
      eventfulJourney().map((e) => recorded(e)),
    );
    expect(states.get(CUSTOMER)).toEqual(
      given(customerProfileProjection, CUSTOMER, eventfulJourney()),
    );
  });
});
