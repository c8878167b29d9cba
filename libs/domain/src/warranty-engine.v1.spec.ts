import { canonicalJson } from './canonical-json';
import { DEFAULT_JURISDICTIONS, jurisdictionRules } from './jurisdictions';
import { facts, POLICY_V1, TERMS } from './testing/warranty-fixtures';
import type { RuleId, WarrantyClaimDecided } from './warranty-claim.events';
import { RULE_IDS } from './warranty-claim.events';
import { digestFacts, policyInForce } from './warranty-engine.facts';
import { recomputeDecision } from './warranty-engine.recompute';
import {
  decideWarrantyClaimV1 as decideWarrantyClaim,
  ENGINE_VERSION_V1 as ENGINE_VERSION,
} from './warranty-engine.v1';

const rule = (decision: ReturnType<typeof decideWarrantyClaim>, id: RuleId) => {
  const found = decision.ruleTrace.find((r) => r.ruleId === id);
  if (!found) throw new Error(`rule ${id} missing from trace`);
  return found;
};

// Delivered 2024-01-05T10:00Z; the fixture policy covers washing machines for 12 months.
describe('warranty policy engine', () => {
  describe('a covered claim', () => {
    it('is approved with repair and the claimed amount', () => {
      const d = decideWarrantyClaim(facts({ claimedAmount: 180 }));
      expect(d).toMatchObject({ outcome: 'approved', remedy: 'repair', coveredAmount: 180 });
      expect(d.engineVersion).toBe(ENGINE_VERSION);
    });

    it('traces every rule, in order, each with inputs and a result', () => {
      const d = decideWarrantyClaim(facts());
      expect(d.ruleTrace.map((r) => r.ruleId)).toEqual([...RULE_IDS]);
      for (const r of d.ruleTrace) {
        expect(r.description).not.toBe('');
        expect(r.explanation).not.toBe('');
        expect(Object.keys(r.inputs).length).toBeGreaterThan(0);
        expect(['passed', 'failed', 'not_applicable']).toContain(r.result);
      }
    });
  });

  describe('proof_of_purchase', () => {
    it('rejects a claim without proof when the policy requires it, even inside cover', () => {
      const d = decideWarrantyClaim(facts({ proofOfPurchase: false }));
      expect(d).toMatchObject({ outcome: 'rejected', remedy: null, coveredAmount: 0 });
      expect(rule(d, 'proof_of_purchase')).toMatchObject({ result: 'failed', effect: 'reject' });
    });

    it('does not apply when the policy does not require proof', () => {
      const d = decideWarrantyClaim(
        facts({ proofOfPurchase: false, terms: { requireProofOfPurchase: false } }),
      );
      expect(d.outcome).toBe('approved');
      expect(rule(d, 'proof_of_purchase').result).toBe('not_applicable');
    });
  });

  describe('commercial_coverage_period', () => {
    it('uses the product category months when the policy has them', () => {
      // 30 months after delivery: outside the 12-month default, inside television's 36.
      const at = '2026-07-05T10:00:00.000Z';
      const tv = decideWarrantyClaim(
        facts({ filedAt: at, jurisdiction: 'NONE', purchase: { productCategory: 'television' } }),
      );
      expect(tv.outcome).toBe('approved');
      expect(rule(tv, 'commercial_coverage_period')).toMatchObject({
        result: 'passed',
        effect: 'cover',
        inputs: { coverageMonths: 36, coverageSource: 'category' },
      });
      const wm = decideWarrantyClaim(facts({ filedAt: at, jurisdiction: 'NONE' }));
      expect(wm.outcome).toBe('rejected');
      expect(rule(wm, 'commercial_coverage_period')).toMatchObject({
        result: 'failed',
        inputs: { coverageMonths: 12, coverageSource: 'default' },
      });
    });

    it('takes the default months for a category the policy does not name, whatever its name', () => {
      for (const productCategory of ['constructor', 'toString', '__proto__']) {
        const d = decideWarrantyClaim(
          facts({ jurisdiction: 'NONE', purchase: { productCategory } }),
        );
        expect(rule(d, 'commercial_coverage_period').inputs).toMatchObject({
          coverageMonths: 12,
          coverageSource: 'default',
        });
      }
    });

    it('counts from delivery, and ends at the same instant 12 months later', () => {
      const inside = decideWarrantyClaim(
        facts({ filedAt: '2025-01-05T09:59:59.999Z', jurisdiction: 'NONE' }),
      );
      const outside = decideWarrantyClaim(
        facts({ filedAt: '2025-01-05T10:00:00.000Z', jurisdiction: 'NONE' }),
      );
      expect(inside.outcome).toBe('approved');
      expect(outside.outcome).toBe('rejected');
      expect(rule(outside, 'commercial_coverage_period').inputs).toMatchObject({
        periodStart: '2024-01-05T10:00:00.000Z',
        periodStartBasis: 'delivery',
        periodEnd: '2025-01-05T10:00:00.000Z',
      });
    });

    it('counts from purchase when the product was never delivered', () => {
      const d = decideWarrantyClaim(
        facts({
          filedAt: '2025-01-03T10:00:00.000Z',
          jurisdiction: 'NONE',
          purchase: { deliveredAt: null },
        }),
      );
      expect(d.outcome).toBe('rejected');
      expect(rule(d, 'commercial_coverage_period').inputs).toMatchObject({
        periodStartBasis: 'purchase',
      });
    });
  });

  describe('commercial_exclusions', () => {
    it.each(['accidental_damage', 'misuse', 'unauthorised_repair'] as const)(
      'rejects a defect caused by %s, which no legal guarantee covers either',
      (cause) => {
        const d = decideWarrantyClaim(facts({ cause }));
        expect(d.outcome).toBe('rejected');
        expect(rule(d, 'commercial_exclusions')).toMatchObject({
          result: 'failed',
          effect: 'no_cover',
        });
        expect(rule(d, 'legal_guarantee_cause')).toMatchObject({ result: 'failed' });
      },
    );

    it('covers wear when the policy does not exclude it, under commercial cover only', () => {
      const d = decideWarrantyClaim(facts({ cause: 'wear' }));
      expect(d.outcome).toBe('approved');
      expect(rule(d, 'commercial_exclusions').result).toBe('passed');
      expect(rule(d, 'legal_guarantee_cause').result).toBe('failed');
      // Commercial cover only: capped at price x 0.8.
      expect(d.coveredAmount).toBe(400);
    });
  });

  describe('repeat_claims', () => {
    const prior = (n: number) =>
      Array.from({ length: n }, (_, i) => ({
        claimId: `w-0${i}`,
        filedAt: `2024-02-0${i + 1}T10:00:00.000Z`,
        outcome: 'approved' as const,
        defectCode: 'PUMP-01',
      }));

    it('sends a covered claim to review when earlier claims reach the threshold', () => {
      const d = decideWarrantyClaim(facts({ priorClaims: prior(2) }));
      expect(d).toMatchObject({ outcome: 'needs_review', remedy: null, coveredAmount: 0 });
      expect(rule(d, 'repeat_claims')).toMatchObject({
        result: 'failed',
        effect: 'needs_review',
        inputs: { earlierClaims: 2, repeatClaimThreshold: 2 },
      });
    });

    it('approves below the threshold', () => {
      const d = decideWarrantyClaim(facts({ priorClaims: prior(1) }));
      expect(d.outcome).toBe('approved');
      expect(rule(d, 'repeat_claims').result).toBe('passed');
    });

    it('does not apply when the policy has no threshold', () => {
      const d = decideWarrantyClaim(
        facts({ priorClaims: prior(5), terms: { repeatClaimThreshold: null } }),
      );
      expect(d.outcome).toBe('approved');
      expect(rule(d, 'repeat_claims').result).toBe('not_applicable');
    });

    it('does not rescue a claim nothing covers', () => {
      const d = decideWarrantyClaim(
        facts({ priorClaims: prior(3), jurisdiction: 'NONE', filedAt: '2025-06-01T00:00:00.000Z' }),
      );
      expect(d.outcome).toBe('rejected');
    });
  });

  describe('EU legal guarantee', () => {
    const shortPolicy = { coverageMonths: { default: 6, byCategory: {} } };

    it('covers a defect in year one that the shorter commercial policy no longer covers', () => {
      // 9 months after delivery, policy 6 months, cause unknown: presumed present at delivery.
      const d = decideWarrantyClaim(
        facts({ filedAt: '2024-10-05T10:00:00.000Z', cause: 'unknown', terms: shortPolicy }),
      );
      expect(d).toMatchObject({ outcome: 'approved', remedy: 'repair' });
      expect(rule(d, 'commercial_coverage_period').result).toBe('failed');
      expect(rule(d, 'legal_guarantee_period').result).toBe('passed');
      expect(rule(d, 'legal_presumption')).toMatchObject({ result: 'passed', effect: 'cover' });
      // The policy's cap does not reduce the legal remedy.
      expect(d.coveredAmount).toBe(500);
      expect(rule(d, 'covered_amount').inputs).toMatchObject({ capBasis: 'legal_guarantee' });
    });

    it('sends a year-two claim of unknown cause to review: the consumer bears the burden of proof', () => {
      const d = decideWarrantyClaim(
        facts({ filedAt: '2025-06-01T10:00:00.000Z', cause: 'unknown' }),
      );
      expect(d).toMatchObject({ outcome: 'needs_review', remedy: null, coveredAmount: 0 });
      expect(rule(d, 'legal_presumption')).toMatchObject({
        result: 'failed',
        effect: 'needs_review',
      });
    });

    it('approves a year-two claim established as a manufacturing defect', () => {
      const d = decideWarrantyClaim(
        facts({ filedAt: '2025-06-01T10:00:00.000Z', cause: 'manufacturing' }),
      );
      expect(d.outcome).toBe('approved');
    });

    it('rejects after two years', () => {
      const d = decideWarrantyClaim(
        facts({ filedAt: '2026-01-05T10:00:00.000Z', cause: 'manufacturing' }),
      );
      expect(d.outcome).toBe('rejected');
      expect(rule(d, 'legal_guarantee_period')).toMatchObject({
        result: 'failed',
        inputs: { periodEnd: '2026-01-05T10:00:00.000Z' },
      });
    });

    it('counts the two years from delivery, or from purchase if undelivered', () => {
      const late = {
        purchasedAt: '2024-01-01T10:00:00.000Z',
        deliveredAt: '2024-03-01T10:00:00.000Z',
      };
      const at = '2026-02-15T10:00:00.000Z';
      expect(decideWarrantyClaim(facts({ filedAt: at, purchase: late })).outcome).toBe('approved');
      expect(
        decideWarrantyClaim(facts({ filedAt: at, purchase: { ...late, deliveredAt: null } }))
          .outcome,
      ).toBe('rejected');
    });

    it('has no short-term right to reject: remedy follows the policy', () => {
      const d = decideWarrantyClaim(
        facts({ filedAt: '2024-01-20T10:00:00.000Z', remedyRequested: 'refund' }),
      );
      expect(d.remedy).toBe('replace');
    });
  });

  describe('UK legal guarantee', () => {
    const shortPolicy = { coverageMonths: { default: 3, byCategory: {} } };

    it('presumes the defect present for six months', () => {
      const d = decideWarrantyClaim(
        facts({
          jurisdiction: 'UK',
          filedAt: '2024-06-01T10:00:00.000Z',
          cause: 'unknown',
          terms: shortPolicy,
        }),
      );
      expect(d.outcome).toBe('approved');
    });

    it('sends an unknown cause to review after six months', () => {
      const d = decideWarrantyClaim(
        facts({
          jurisdiction: 'UK',
          filedAt: '2024-09-01T10:00:00.000Z',
          cause: 'unknown',
          terms: shortPolicy,
        }),
      );
      expect(d.outcome).toBe('needs_review');
    });

    it('refunds within the 30-day short-term right to reject when the consumer asks', () => {
      const d = decideWarrantyClaim(
        facts({
          jurisdiction: 'UK',
          filedAt: '2024-01-20T10:00:00.000Z',
          remedyRequested: 'refund',
        }),
      );
      expect(d).toMatchObject({ outcome: 'approved', remedy: 'refund', coveredAmount: 500 });
      const later = decideWarrantyClaim(
        facts({
          jurisdiction: 'UK',
          filedAt: '2024-02-20T10:00:00.000Z',
          remedyRequested: 'refund',
        }),
      );
      expect(later.remedy).toBe('repair');
    });
  });

  describe.each(['NONE', 'US'] as const)('%s jurisdiction', (code) => {
    it('has no legal guarantee: outside commercial cover is rejected', () => {
      const d = decideWarrantyClaim(
        facts({ jurisdiction: code, filedAt: '2025-03-01T10:00:00.000Z', cause: 'manufacturing' }),
      );
      expect(d.outcome).toBe('rejected');
      expect(rule(d, 'legal_guarantee_period')).toMatchObject({ result: 'not_applicable' });
      expect(rule(d, 'legal_presumption').result).toBe('not_applicable');
    });

    it('caps commercial cover at price x policy ratio', () => {
      expect(decideWarrantyClaim(facts({ jurisdiction: code })).coveredAmount).toBe(400);
      expect(
        decideWarrantyClaim(facts({ jurisdiction: code, claimedAmount: 120.5 })).coveredAmount,
      ).toBe(120.5);
      expect(
        decideWarrantyClaim(facts({ jurisdiction: code, claimedAmount: 9000 })).coveredAmount,
      ).toBe(400);
    });
  });

  it('treats a code missing from the table as no legal guarantee, recorded under its own code', () => {
    const rules = jurisdictionRules('BR');
    expect(rules).toMatchObject({ code: 'BR', legalGuaranteeMonths: 0 });
    expect(jurisdictionRules('EU')).toBe(DEFAULT_JURISDICTIONS.EU);
    expect(
      jurisdictionRules('EU', { EU: { ...DEFAULT_JURISDICTIONS.EU, presumptionMonths: 24 } }),
    ).toMatchObject({ presumptionMonths: 24 });
  });

  describe('remedy', () => {
    it('replaces within the policy rule age, repairs after', () => {
      expect(decideWarrantyClaim(facts({ filedAt: '2024-02-03T10:00:00.000Z' })).remedy).toBe(
        'replace',
      );
      expect(decideWarrantyClaim(facts({ filedAt: '2024-02-05T10:00:00.000Z' })).remedy).toBe(
        'repair',
      );
    });
  });

  describe('policyInForce', () => {
    const v2 = { ...POLICY_V1, version: 2, effectiveFrom: '2024-06-01T00:00:00.000Z' };
    const versions = [v2, POLICY_V1];

    it('picks the latest version in force at the instant', () => {
      expect(policyInForce(versions, '2024-05-31T23:59:59.999Z')?.version).toBe(1);
      expect(policyInForce(versions, '2024-06-01T00:00:00.000Z')?.version).toBe(2);
      expect(policyInForce(versions, '2030-01-01T00:00:00.000Z')?.version).toBe(2);
    });

    it('finds nothing before the first version', () => {
      expect(policyInForce(versions, '2022-12-31T00:00:00.000Z')).toBeUndefined();
    });
  });

  describe('determinism and digests', () => {
    it('decides the same facts identically', () => {
      const f = facts({ cause: 'unknown', filedAt: '2025-06-01T10:00:00.000Z' });
      expect(canonicalJson(decideWarrantyClaim(f))).toBe(
        canonicalJson(
          decideWarrantyClaim(facts({ cause: 'unknown', filedAt: '2025-06-01T10:00:00.000Z' })),
        ),
      );
    });

    it('digests facts independently of key order and undefined fields', () => {
      const f = facts();
      const reordered = JSON.parse(
        JSON.stringify({
          jurisdiction: f.jurisdiction,
          policy: f.policy,
          priorClaims: f.priorClaims,
          purchase: f.purchase,
          claim: { ...f.claim, claimedAmount: undefined },
        }),
      );
      expect(digestFacts(reordered)).toBe(digestFacts(f));
      expect(digestFacts(f)).toMatch(/^[0-9a-f]{64}$/);
    });

    it('keeps a stable digest for known facts (a change here breaks every recorded audit)', () => {
      expect(digestFacts(facts())).toBe(GOLDEN_DIGEST);
    });

    it('changes the digest when any fact changes', () => {
      expect(digestFacts(facts({ purchase: { price: 501 } }))).not.toBe(digestFacts(facts()));
    });
  });

  describe('recomputeDecision', () => {
    const recorded = (): WarrantyClaimDecided => {
      const f = facts({ claimedAmount: 250 });
      const d = decideWarrantyClaim(f);
      return {
        type: 'WarrantyClaimDecided',
        data: {
          claimId: 'w-1',
          customerId: 'cust-1',
          occurredAt: f.claim.filedAt,
          outcome: d.outcome,
          remedy: d.remedy,
          coveredAmount: d.coveredAmount,
          currency: 'EUR',
          policyId: 'std',
          policyVersion: 1,
          jurisdiction: 'EU',
          ruleTrace: d.ruleTrace,
          facts: f,
          factsDigest: d.factsDigest,
          engineVersion: d.engineVersion,
          decidedBy: { kind: 'system' },
        },
      };
    };

    it('reproduces a recorded decision, also after a JSON round trip', () => {
      const event = JSON.parse(JSON.stringify(recorded())) as WarrantyClaimDecided;
      expect(recomputeDecision(event)).toMatchObject({ matches: true, mismatches: [] });
      expect(recomputeDecision(event.data).matches).toBe(true);
    });

    it('reports a recorded outcome the facts do not support', () => {
      const event = recorded();
      event.data.coveredAmount = 500;
      const result = recomputeDecision(event);
      expect(result.matches).toBe(false);
      expect(result.mismatches.map((m) => m.field)).toEqual(['coveredAmount']);
    });

    it('reports facts edited after the decision', () => {
      const event = recorded();
      event.data.facts.purchase.price = 5000;
      const fields = recomputeDecision(event).mismatches.map((m) => m.field);
      expect(fields).toContain('factsDigest');
    });
  });

  it('uses the fixture terms as published (sanity)', () => {
    expect(facts().policy.terms).toEqual(TERMS);
  });
});

const GOLDEN_DIGEST = '98d9c208ea343a26b05f3e8ca0c464fc7579762ff2ae3a2ce20ecaf69eeabd6b';
