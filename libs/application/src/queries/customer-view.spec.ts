import {
  type ClvModelFittedData,
  customerProfileProjection,
  initialSatisfaction,
} from '@aftercare/projections';
// The folds' journey fixtures: spec helpers of the projections library, not part of its exports.
import { CUSTOMER, purchase, registered } from '../../../projections/src/journey.fixtures';
import { given } from '../../../projections/src/spec-events';
import { customerView } from './customer-view';

describe('customer view with a refused CLV fit', () => {
  const profile = given(customerProfileProjection, CUSTOMER, [
    registered(),
    purchase('p1', '2024-01-10T10:00:00Z'),
    purchase('p2', '2024-03-10T10:00:00Z'),
  ]);
  const fit = (refusals: { bgNbd?: string; gammaGamma?: string; mbgNbd?: string }) =>
    ({
      fitId: 'fit-1',
      occurredAt: '2024-06-01T00:00:00Z',
      window: { from: '2024-01-01', to: '2024-05-31' },
      currency: 'EUR',
      timeUnit: 'weeks',
      customers: 4,
      customersWithRepeatPurchases: 3,
      bgNbd: {
        params: { r: 1.015, alpha: 5.126, a: 7989, b: 7.553e-7 },
        logLikelihood: -20,
        converged: true,
        iterations: 900,
        ...(refusals.bgNbd ? { refusal: refusals.bgNbd } : {}),
      },
      gammaGamma: {
        params: { p: 6.25, q: 3.74, gamma: 15.44 },
        logLikelihood: -40,
        customers: 3,
        converged: true,
        ...(refusals.gammaGamma ? { refusal: refusals.gammaGamma } : {}),
      },
      mbgNbd: {
        params: { r: 0.24, alpha: 4.41, a: 0.79, b: 2.43 },
        logLikelihood: -20,
        converged: true,
        ...(refusals.mbgNbd ? { refusal: refusals.mbgNbd } : {}),
      },
      horizonWeeks: 52,
      annualDiscountRate: 0.1,
    }) satisfies ClvModelFittedData;
  const view = (f: ClvModelFittedData) =>
    customerView({
      profile,
      satisfaction: initialSatisfaction(CUSTOMER),
      now: '2024-06-01T00:00:00Z',
      fit: f,
    });

  it('shows no CLV figures but the reason the fit was refused; churn risk still uses the MBG/NBD', () => {
    const reason = 'BG/NBD fit refused: a and b went to a degenerate limit (...)';
    const v = view(fit({ bgNbd: reason }));
    expect(v.clv).toBeNull();
    expect(v.unavailable.clv).toBe(`CLV model fit-1 is not used: ${reason}`);
    expect(v.churnRisk?.purchaseModel).toBe('mbg-nbd');
  });

  it('shows the Gamma-Gamma refusal (q <= 1) the same way', () => {
    const reason =
      'Gamma-Gamma fit refused: q = 0.8000 <= 1, so the mean order value ... is infinite';
    expect(view(fit({ gammaGamma: reason })).unavailable.clv).toContain(reason);
  });

  it('without a usable purchase model, churn risk is unavailable and names the refusal', () => {
    const reason = 'MBG/NBD fit refused: r and alpha went to a degenerate limit (...)';
    const v = view(fit({ bgNbd: 'BG/NBD fit refused: x', mbgNbd: reason }));
    expect(v.churnRisk).toBeNull();
    expect(v.unavailable.churnRisk).toBe(`purchase model fit-1 is not used: ${reason}`);
  });
});

describe('customer view of a product warranty, as of a date', () => {
  // A US customer: no statutory guarantee, so the commercial policy alone decides coverage.
  const registration = registered();
  const usRegistration = {
    ...registration,
    data: { ...registration.data, jurisdiction: 'US', countryCode: 'US' },
  } as typeof registration;
  const profile = given(customerProfileProjection, CUSTOMER, [
    usRegistration,
    purchase('p1', '2024-01-10T10:00:00Z'),
  ]);
  const terms = {
    coverageMonths: { default: 12, byCategory: {} },
    exclusions: [],
    requireProofOfPurchase: true,
    repeatClaimThreshold: 2,
    remedyRules: [],
    defaultRemedy: 'repair' as const,
    maxCoveredAmountRatio: 1,
  };
  const policies = {
    std: {
      policyId: 'std',
      name: 'Standard',
      versions: [{ policyId: 'std', version: 1, effectiveFrom: '2024-03-01T00:00:00Z', terms }],
    },
  };
  const warrantyAt = (now: string) =>
    customerView({
      profile,
      satisfaction: initialSatisfaction(CUSTOMER),
      now,
      fit: null,
      policies,
    }).products[0].warranty;

  it('says unknown, not expired, when no version of the policy was in force then', () => {
    expect(warrantyAt('2024-01-19T00:00:00Z')).toMatchObject({
      coveredNow: false,
      coverage: 'unknown',
      commercialPolicyVersion: null,
    });
  });

  it('says covered while the policy in force covers it, and not covered after it ends', () => {
    expect(warrantyAt('2024-06-01T00:00:00Z')).toMatchObject({
      coveredNow: true,
      coverage: 'covered',
    });
    expect(warrantyAt('2025-02-01T00:00:00Z')).toMatchObject({
      coveredNow: false,
      coverage: 'not_covered',
    });
  });
});
