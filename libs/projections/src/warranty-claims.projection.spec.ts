import { eventfulJourney, foldFrozen } from './testing/purity';
import {
  claimDecided,
  claimFiled,
  claimFulfilled,
  claimOverridden,
  CUSTOMER,
} from './journey.fixtures';
import { given, recorded } from './spec-events';
import { warrantyClaimCost, warrantyClaimsProjection } from './warranty-claims.projection';

describe('warranty claims projection', () => {
  it('given a claim filed, then it is pending', () => {
    const state = given(warrantyClaimsProjection, 'w1', [
      claimFiled('w1', 'p1', '2024-03-01T10:00:00Z'),
    ]);
    expect(state).toMatchObject({
      claimId: 'w1',
      customerId: CUSTOMER,
      outcome: 'pending',
      decision: null,
    });
    expect(warrantyClaimsProjection.columns?.outcome(state)).toBe('pending');
  });

  it('given a rejection overridden and fulfilled, then the override is in effect and audited', () => {
    const state = given(warrantyClaimsProjection, 'w1', [
      claimFiled('w1', 'p1', '2024-03-01T10:00:00Z'),
      claimDecided('w1', 'p1', '2024-03-01T10:05:00Z', 'rejected', 0),
      claimOverridden('w1', '2024-03-02T10:00:00Z'),
      claimFulfilled('w1', '2024-03-09T10:00:00Z', 55),
    ]);
    expect(state.decision).toMatchObject({
      outcome: 'rejected',
      policyVersion: 2,
      failedRules: ['commercial_coverage_period'],
      explanation: 'The claim is rejected.',
    });
    expect(state.outcome).toBe('approved');
    expect(state.overrides).toEqual([
      {
        agentId: 'agent-7',
        justification: 'goodwill',
        at: '2024-03-02T10:00:00Z',
        from: 'rejected',
        to: 'approved',
        coveredAmount: 60,
      },
    ]);
    expect(warrantyClaimCost(state)).toBe(55);
    const columns = warrantyClaimsProjection.columns ?? {};
    expect(Object.fromEntries(Object.entries(columns).map(([k, f]) => [k, f(state)]))).toEqual({
      outcome: 'approved',
      policyVersion: 2,
      decidedAt: '2024-03-01T10:05:00Z',
      productCategory: 'appliance',
      sku: 'WASHER-1',
      customerId: CUSTOMER,
      filedAt: '2024-03-01T10:00:00Z',
    });
  });

  it('folds without changing any state its caller holds, to the same result', () => {
    const { states } = foldFrozen(
      warrantyClaimsProjection,
      eventfulJourney().map((e) => recorded(e)),
    );
    expect(states.get('w1')).toEqual(given(warrantyClaimsProjection, 'w1', eventfulJourney()));
  });
});
