import { canonicalJson, sha256Hex } from './canonical-json';
import type { IsoDateTime } from './domain-event';
import { expectedLifespanMonths, type ConsumerLawRow } from './law/consumer-law';
import { toMillis } from './time';
import type {
  AnyDecisionFacts,
  WarrantyDecisionFacts,
  WarrantyDecisionFactsV1,
} from './warranty-claim.events';
import type { WarrantyPolicyVersion } from './warranty-policy.events';

/** The facts a warranty decision is made from: the policy in force, their digest, v1 facts read as v2. */

/** The version in force at `at`: the latest effectiveFrom <= at (ties: the higher version). */
export function policyInForce(
  versions: readonly WarrantyPolicyVersion[],
  at: IsoDateTime,
): WarrantyPolicyVersion | undefined {
  const t = toMillis(at);
  let best: WarrantyPolicyVersion | undefined;
  for (const v of versions) {
    const from = toMillis(v.effectiveFrom, 'effectiveFrom');
    if (from > t) continue;
    if (
      !best ||
      from > toMillis(best.effectiveFrom) ||
      (from === toMillis(best.effectiveFrom) && v.version > best.version)
    ) {
      best = v;
    }
  }
  return best;
}

/** sha256 hex over the canonical JSON of the facts. */
export function digestFacts(facts: AnyDecisionFacts): string {
  return sha256Hex(canonicalJson(facts));
}

/**
 * Engine v2 facts for a claim engine v1 decided: the defect noticed when filed (as the v1
 * upcaster assumes), the claimant's cause kept only as suspected, no assessment yet.
 */
export function factsFromV1(
  v1: WarrantyDecisionFactsV1,
  law: ConsumerLawRow,
): WarrantyDecisionFacts {
  const c = v1.claim;
  return {
    claim: {
      claimId: c.claimId,
      customerId: c.customerId,
      purchaseId: c.purchaseId,
      serialNumber: c.serialNumber === '' ? null : c.serialNumber,
      filedAt: c.filedAt,
      noticedAt: c.filedAt,
      defect: { code: c.defect.code, description: c.defect.description },
      symptom: c.defect.description,
      suspectedCause: c.defect.cause,
      evidence: c.evidence,
      ...(c.claimedAmount !== undefined ? { claimedAmount: c.claimedAmount } : {}),
      ...(c.remedyRequested !== undefined ? { remedyRequested: c.remedyRequested } : {}),
    },
    purchase: v1.purchase,
    priorClaims: v1.priorClaims,
    policy: v1.policy,
    law,
    expectedLifespanMonths: expectedLifespanMonths(v1.purchase.productCategory),
    assessments: [],
    remedyRefusals: [],
  };
}
