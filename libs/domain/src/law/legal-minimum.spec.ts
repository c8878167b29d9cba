import fc from 'fast-check';
import { addDays, addMonths } from '../time';
import type { WarrantyDecisionFacts } from '../warranty-claim.events';
import { decideWarrantyClaim } from '../warranty-engine';
import { EXCLUDABLE_CAUSES, WARRANTY_REMEDIES } from '../warranty-policy.events';
import type { WarrantyPolicyTerms } from '../warranty-policy.events';
import { CONSUMER_LAW, expectedLifespanMonths, type ConsumerLawRow } from './consumer-law';

/**
 * Whatever the commercial policy says, the legal path gives at least what the law requires:
 * a covered claim is approved, with a remedy and an amount no lower than without any policy.
 */

const DELIVERED = '2024-01-05T10:00:00.000Z';
const PRICE = 800;

const terms: fc.Arbitrary<WarrantyPolicyTerms> = fc.record({
  coverageMonths: fc.record({
    default: fc.integer({ min: 0, max: 60 }),
    byCategory: fc.dictionary(
      fc.constantFrom('appliances', 'tv', 'computing'),
      fc.integer({ min: 0, max: 60 }),
    ),
  }),
  exclusions: fc.subarray([...EXCLUDABLE_CAUSES]),
  requireProofOfPurchase: fc.boolean(),
  repeatClaimThreshold: fc.option(fc.integer({ min: 0, max: 5 }), { nil: null }),
  remedyRules: fc.array(
    fc.record({
      maxAgeDays: fc.integer({ min: 0, max: 2000 }),
      remedy: fc.constantFrom(...WARRANTY_REMEDIES),
    }),
    { maxLength: 3 },
  ),
  defaultRemedy: fc.constantFrom(...WARRANTY_REMEDIES),
  maxCoveredAmountRatio: fc.double({ min: 0, max: 1, noNaN: true }),
});

/** Rows with a statutory guarantee of their own (the US row depends on the written warranty). */
const rows = Object.values(CONSUMER_LAW).filter(
  (r) => r.guarantee.kind === 'fixed' || r.guarantee.kind === 'expected_lifespan',
);

function facts(
  law: ConsumerLawRow,
  policy: WarrantyPolicyTerms,
  o: {
    noticedDays: number;
    claimedAmount?: number;
    proof: boolean;
    suspected?: (typeof EXCLUDABLE_CAUSES)[number];
    assessed?: boolean;
    priorClaims: number;
  },
): WarrantyDecisionFacts {
  const noticedAt = addDays(DELIVERED, o.noticedDays);
  return {
    claim: {
      claimId: 'w-p',
      customerId: 'c',
      purchaseId: 'p',
      serialNumber: 'SN',
      filedAt: noticedAt,
      noticedAt,
      defect: { code: 'D', description: 'broken' },
      symptom: 'broken',
      ...(o.suspected !== undefined ? { suspectedCause: o.suspected } : {}),
      evidence: { proofOfPurchase: o.proof },
      ...(o.claimedAmount !== undefined ? { claimedAmount: o.claimedAmount } : {}),
    },
    purchase: {
      purchaseId: 'p',
      customerId: 'c',
      sku: 'X',
      productCategory: 'appliances',
      serialNumber: 'SN',
      price: PRICE,
      currency: 'EUR',
      purchasedAt: DELIVERED,
      deliveredAt: DELIVERED,
      warrantyPolicyId: 'pol',
    },
    priorClaims: Array.from({ length: o.priorClaims }, (_, i) => ({
      claimId: `w-${i}`,
      filedAt: '2023-12-01T00:00:00.000Z',
      outcome: 'rejected' as const,
      defectCode: 'OTHER',
    })),
    policy: {
      policyId: 'pol',
      version: 1,
      effectiveFrom: '2020-01-01T00:00:00.000Z',
      terms: policy,
    },
    law,
    expectedLifespanMonths: expectedLifespanMonths('appliances'),
    assessments: o.assessed
      ? [{ cause: 'manufacturing', assessedBy: 't', method: 'inspection', assessedAt: noticedAt }]
      : [],
    remedyRefusals: [],
  };
}

const NO_POLICY: WarrantyPolicyTerms = {
  coverageMonths: { default: 0, byCategory: {} },
  exclusions: [...EXCLUDABLE_CAUSES],
  requireProofOfPurchase: true,
  repeatClaimThreshold: 0,
  remedyRules: [],
  defaultRemedy: 'repair',
  maxCoveredAmountRatio: 0,
};

const claimShape = fc.record({
  proof: fc.boolean(),
  claimedAmount: fc.option(fc.integer({ min: 0, max: PRICE * 2 }), { nil: undefined }),
  suspected: fc.option(fc.constantFrom(...EXCLUDABLE_CAUSES), { nil: undefined }),
  priorClaims: fc.integer({ min: 0, max: 4 }),
});

describe('the legal minimum, whatever the commercial policy', () => {
  it('a defect apparent within the presumption period is approved with a legal remedy', () => {
    const withPresumption = rows.filter((r) => r.presumptionMonths > 0);
    fc.assert(
      fc.property(
        fc.constantFrom(...withPresumption),
        terms,
        claimShape,
        fc.double({ min: 0, max: 0.999, noNaN: true }),
        (law, policy, shape, share) => {
          const end = addMonths(DELIVERED, law.presumptionMonths);
          const days = Math.floor(
            share * ((Date.parse(end) - Date.parse(DELIVERED)) / 86_400_000 - 1),
          );
          const d = decideWarrantyClaim(facts(law, policy, { ...shape, noticedDays: days }));
          expect(d.outcome).toBe('approved');
          expect(d.remedy).not.toBeNull();
          const minimum = Math.min(shape.claimedAmount ?? PRICE, PRICE);
          expect(d.coveredAmount).toBeGreaterThanOrEqual(minimum);
        },
      ),
    );
  });

  it('a lack of conformity found by assessment within the guarantee is approved', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...rows),
        terms,
        claimShape,
        fc.integer({ min: 0, max: 5000 }),
        (law, policy, shape, days) => {
          const f = facts(law, policy, { ...shape, noticedDays: days, assessed: true });
          const bare = decideWarrantyClaim({ ...f, policy: { ...f.policy, terms: NO_POLICY } });
          const d = decideWarrantyClaim(f);
          // The law alone decides `bare`; a policy never lowers it.
          if (bare.outcome === 'approved') {
            expect(d.outcome).toBe('approved');
            expect(d.coveredAmount).toBeGreaterThanOrEqual(bare.coveredAmount);
          }
          const end =
            law.guarantee.kind === 'fixed'
              ? law.guarantee.months
              : Math.min(
                  expectedLifespanMonths('appliances'),
                  law.limitation?.from === 'delivery' ? law.limitation.months : Infinity,
                );
          const inside =
            Date.parse(addDays(DELIVERED, days)) < Date.parse(addMonths(DELIVERED, end));
          const timeBarred =
            law.limitation?.from === 'delivery' &&
            Date.parse(addDays(DELIVERED, days)) >
              Date.parse(addMonths(DELIVERED, law.limitation.months)) &&
            law.limitation.graceAfterNoticeMonths === undefined;
          if (inside && !timeBarred) expect(bare.outcome).toBe('approved');
        },
      ),
    );
  });

  it('a commercial policy never turns a legal approval into anything else', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...Object.values(CONSUMER_LAW)),
        terms,
        claimShape,
        fc.integer({ min: 0, max: 3000 }),
        fc.boolean(),
        (law, policy, shape, days, assessed) => {
          const f = facts(law, policy, { ...shape, noticedDays: days, assessed });
          const bare = decideWarrantyClaim({ ...f, policy: { ...f.policy, terms: NO_POLICY } });
          const d = decideWarrantyClaim(f);
          if (bare.outcome === 'approved') {
            expect(d.outcome).toBe('approved');
            expect(d.remedy).not.toBeNull();
            expect(d.coveredAmount).toBeGreaterThanOrEqual(bare.coveredAmount);
          }
        },
      ),
    );
  });
});
