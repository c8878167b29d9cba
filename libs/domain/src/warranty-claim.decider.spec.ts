import { chainEvents, GENESIS_HASH, verifyChain } from './hash-chain';
import { given as givenFor } from './testing/given-when-then';
import { POLICY_V1, PURCHASE, TERMS } from './testing/warranty-fixtures';
import type { FileWarrantyClaim, WarrantyClaimCommand } from './warranty-claim.decider';
import { warrantyClaimDecider } from './warranty-claim.decider';
import type { WarrantyClaimDecided, WarrantyClaimEvent } from './warranty-claim.events';
import { recomputeDecision } from './warranty-engine.recompute';

const given = (events: WarrantyClaimEvent[] = []) => givenFor(warrantyClaimDecider, events);

const fileData: FileWarrantyClaim['data'] = {
  claimId: 'w-1',
  customerId: 'cust-1',
  occurredAt: '2024-03-01T10:00:00.000Z',
  purchaseId: 'p-1',
  serialNumber: 'SN-1',
  defect: { code: 'PUMP-01', description: 'Drum does not drain', cause: 'manufacturing' },
  evidence: { proofOfPurchase: true, photos: ['photo-1'] },
  claimedAmount: 180,
  purchase: PURCHASE,
  priorClaims: [],
  policyVersions: [POLICY_V1],
  jurisdiction: 'EU',
  decidedBy: { kind: 'system' },
};
const file = (over: Partial<FileWarrantyClaim['data']> = {}): FileWarrantyClaim => ({
  type: 'FileWarrantyClaim',
  data: { ...fileData, ...over },
});

const filedAndDecided = (over: Partial<FileWarrantyClaim['data']> = {}) =>
  warrantyClaimDecider.decide(file(over), warrantyClaimDecider.initialState());

const decidedOf = (events: WarrantyClaimEvent[]): WarrantyClaimDecided['data'] => {
  const decided = events.find((e): e is WarrantyClaimDecided => e.type === 'WarrantyClaimDecided');
  if (!decided) throw new Error('no decision');
  return decided.data;
};

const override = (
  over: Partial<Extract<WarrantyClaimCommand, { type: 'OverrideWarrantyDecision' }>['data']> = {},
): WarrantyClaimCommand => ({
  type: 'OverrideWarrantyDecision',
  data: {
    claimId: 'w-1',
    occurredAt: '2024-03-02T10:00:00.000Z',
    agentId: 'agent-7',
    justification: 'Technician confirmed a pump defect on site',
    outcome: 'approved',
    remedy: 'repair',
    coveredAmount: 150,
    ...over,
  },
});

const fulfil: WarrantyClaimCommand = {
  type: 'FulfilWarrantyClaim',
  data: { claimId: 'w-1', occurredAt: '2024-03-05T10:00:00.000Z', reference: 'repair-9' },
};

describe('warranty claim decider', () => {
  describe('FileWarrantyClaim', () => {
    it('records the claim and the engine decision together, with the facts used', () => {
      const events = given().when(file()).events();
      expect(events.map((e) => e.type)).toEqual(['WarrantyClaimFiled', 'WarrantyClaimDecided']);
      expect(events[0]).toEqual({
        type: 'WarrantyClaimFiled',
        data: {
          claimId: 'w-1',
          customerId: 'cust-1',
          occurredAt: '2024-03-01T10:00:00.000Z',
          noticedAt: '2024-03-01T10:00:00.000Z',
          purchaseId: 'p-1',
          serialNumber: 'SN-1',
          defect: { code: 'PUMP-01', description: 'Drum does not drain' },
          symptom: 'Drum does not drain',
          suspectedCause: 'manufacturing',
          evidence: fileData.evidence,
          claimedAmount: 180,
        },
      });
      const decided = decidedOf(events);
      expect(decided).toMatchObject({
        outcome: 'approved',
        remedy: 'repair',
        coveredAmount: 180,
        currency: 'EUR',
        policyId: 'std',
        policyVersion: 1,
        jurisdiction: 'EU',
        decidedBy: { kind: 'system' },
      });
      expect(decided.facts.purchase).toEqual(PURCHASE);
      expect('law' in decided.facts && decided.facts.law.key).toBe('EU');
      expect(recomputeDecision(decided).matches).toBe(true);
    });

    it('is deterministic', () => {
      expect(JSON.stringify(filedAndDecided())).toBe(JSON.stringify(filedAndDecided()));
    });

    it('uses the policy version in force when the claim was filed', () => {
      const v2 = {
        ...POLICY_V1,
        version: 2,
        effectiveFrom: '2024-02-01T00:00:00.000Z',
        terms: { ...TERMS, requireProofOfPurchase: false },
      };
      const v3 = { ...POLICY_V1, version: 3, effectiveFrom: '2024-06-01T00:00:00.000Z' };
      const other = { ...POLICY_V1, policyId: 'premium', version: 9 };
      const decided = decidedOf(filedAndDecided({ policyVersions: [v3, other, POLICY_V1, v2] }));
      expect(decided.policyVersion).toBe(2);
      expect(decided.facts.policy).toEqual(v2);
    });

    it('uses only earlier claims on the serial, in filing order', () => {
      const decided = decidedOf(
        filedAndDecided({
          priorClaims: [
            {
              claimId: 'w-b',
              filedAt: '2024-02-20T00:00:00.000Z',
              outcome: 'rejected',
              defectCode: 'X',
            },
            {
              claimId: 'w-1',
              filedAt: '2024-03-01T10:00:00.000Z',
              outcome: 'approved',
              defectCode: 'X',
            },
            {
              claimId: 'w-later',
              filedAt: '2024-04-01T00:00:00.000Z',
              outcome: 'approved',
              defectCode: 'X',
            },
            {
              claimId: 'w-a',
              filedAt: '2024-02-10T00:00:00.000Z',
              outcome: 'approved',
              defectCode: 'X',
            },
          ],
        }),
      );
      expect(decided.facts.priorClaims.map((c) => c.claimId)).toEqual(['w-a', 'w-b']);
      // The repeat threshold sends commercial cover to review; legal cover is not reviewable.
      expect(decided.ruleTrace.find((r) => r.ruleId === 'repeat_claims')?.effect).toBe(
        'needs_review',
      );
      expect(decided.outcome).toBe('approved');
    });

    it('records an agent as the decider when one filed it', () => {
      const decided = decidedOf(
        filedAndDecided({ decidedBy: { kind: 'agent', agentId: 'agent-7' } }),
      );
      expect(decided.decidedBy).toEqual({ kind: 'agent', agentId: 'agent-7' });
    });

    it('refuses a claim already filed', () => {
      given(filedAndDecided()).when(file()).thenFails('claim_already_filed');
    });

    it("refuses a claim without a purchase, or on another customer's purchase", () => {
      given()
        .when(file({ purchase: null }))
        .thenFails('purchase_not_found');
      given()
        .when(file({ purchase: { ...PURCHASE, customerId: 'cust-2' } }))
        .thenFails('purchase_not_found');
      given()
        .when(file({ purchaseId: 'p-2' }))
        .thenFails('purchase_not_found');
    });

    it("refuses a serial that is not the purchase's", () => {
      given()
        .when(file({ serialNumber: 'SN-9' }))
        .thenFails('serial_number_mismatch');
    });

    it('refuses a claim dated before the purchase', () => {
      given()
        .when(file({ occurredAt: '2023-12-31T00:00:00.000Z' }))
        .thenFails('claim_before_purchase');
    });

    it('refuses a negative claimed amount', () => {
      given()
        .when(file({ claimedAmount: -1 }))
        .thenFails('invalid_amount');
    });

    it("refuses when the purchase's policy has no published version", () => {
      given()
        .when(file({ policyVersions: [{ ...POLICY_V1, policyId: 'premium' }] }))
        .thenFails('warranty_policy_not_found');
    });

    it('refuses when no version was in force at the claim', () => {
      given()
        .when(
          file({ policyVersions: [{ ...POLICY_V1, effectiveFrom: '2024-06-01T00:00:00.000Z' }] }),
        )
        .thenFails('warranty_policy_not_in_force');
    });
  });

  describe('OverrideWarrantyDecision', () => {
    const review = () =>
      filedAndDecided({
        occurredAt: '2025-06-01T10:00:00.000Z',
        defect: { ...fileData.defect, cause: 'unknown' },
      });

    it('lets an agent decide a claim awaiting assessment, with justification and the previous decision', () => {
      const history = review();
      expect(decidedOf(history).outcome).toBe('needs_assessment');
      given(history)
        .when(override())
        .then([
          {
            type: 'WarrantyDecisionOverridden',
            data: {
              claimId: 'w-1',
              customerId: 'cust-1',
              occurredAt: '2024-03-02T10:00:00.000Z',
              agentId: 'agent-7',
              justification: 'Technician confirmed a pump defect on site',
              previous: { outcome: 'needs_assessment', remedy: null, coveredAmount: 0 },
              outcome: 'approved',
              remedy: 'repair',
              coveredAmount: 150,
            },
          },
        ]);
    });

    it('lets an agent reject an approved claim', () => {
      const [event] = given(filedAndDecided())
        .when(override({ outcome: 'rejected', remedy: null, coveredAmount: 0 }))
        .events();
      expect(event).toMatchObject({
        data: { previous: { outcome: 'approved' }, outcome: 'rejected' },
      });
    });

    it('needs a justification and an agent', () => {
      given(review())
        .when(override({ justification: '   ' }))
        .thenFails('justification_required');
      given(review())
        .when(override({ agentId: '' }))
        .thenFails('agent_required');
    });

    it('refuses an override of a claim never filed', () => {
      given().when(override()).thenFails('claim_not_found');
    });

    it('refuses inconsistent overrides', () => {
      given(review())
        .when(override({ remedy: null }))
        .thenFails('invalid_override');
      given(review())
        .when(override({ outcome: 'rejected', remedy: null, coveredAmount: 10 }))
        .thenFails('invalid_override');
      given(review())
        .when(override({ coveredAmount: -1 }))
        .thenFails('invalid_amount');
      given(review())
        .when(override({ coveredAmount: 501 }))
        .thenFails('covered_amount_exceeds_price');
    });

    it('refuses an override after fulfilment', () => {
      const history = filedAndDecided();
      const fulfilled = given(history).when(fulfil).events();
      given([...history, ...fulfilled])
        .when(override())
        .thenFails('claim_already_fulfilled');
    });
  });

  describe('FulfilWarrantyClaim', () => {
    it('fulfils an approved claim with its remedy and amount', () => {
      given(filedAndDecided())
        .when(fulfil)
        .then([
          {
            type: 'WarrantyClaimFulfilled',
            data: {
              claimId: 'w-1',
              customerId: 'cust-1',
              occurredAt: '2024-03-05T10:00:00.000Z',
              remedy: 'repair',
              amount: 180,
              currency: 'EUR',
              reference: 'repair-9',
            },
          },
        ]);
    });

    it('refuses a rejected claim and one awaiting assessment', () => {
      given(filedAndDecided({ occurredAt: '2026-06-01T10:00:00.000Z' }))
        .when(fulfil)
        .thenFails('claim_not_approved');
      given(
        filedAndDecided({
          occurredAt: '2025-06-01T10:00:00.000Z',
          defect: { ...fileData.defect, cause: 'unknown' },
        }),
      )
        .when(fulfil)
        .thenFails('claim_not_approved');
    });

    it("fulfils a claim an agent approved, with the agent's remedy", () => {
      const history = filedAndDecided({ evidence: { proofOfPurchase: false } });
      const overridden = given(history)
        .when(override({ remedy: 'replace', coveredAmount: 500 }))
        .events();
      const [event] = given([...history, ...overridden])
        .when(fulfil)
        .events();
      expect(event).toMatchObject({ data: { remedy: 'replace', amount: 500 } });
    });

    it('refuses to fulfil twice, or a claim never filed', () => {
      const history = filedAndDecided();
      const fulfilled = given(history).when(fulfil).events();
      given([...history, ...fulfilled])
        .when(fulfil)
        .thenFails('claim_already_fulfilled');
      given().when(fulfil).thenFails('claim_not_found');
    });
  });

  it('produces a stream that chains and verifies', () => {
    const history = filedAndDecided();
    const chained = chainEvents(GENESIS_HASH, history);
    const next = given(history).when(fulfil).events();
    const all = [...chained, ...chainEvents(chained[1].metadata.hash, next)];
    expect(verifyChain(JSON.parse(JSON.stringify(all)))).toMatchObject({ ok: true });
  });
});
