import { DomainError } from './domain-error';
import type { IsoDateTime } from './domain-event';
import { expectedLifespanMonths, resolveConsumerLaw } from './law/consumer-law';
import { toMillis } from './time';
import type { FileWarrantyClaim, WarrantyClaimState } from './warranty-claim.commands';
import type { DecidedBy, WarrantyClaimEvent, WarrantyDecisionFacts } from './warranty-claim.events';
import { decideWarrantyClaim } from './warranty-engine';
import { policyInForce } from './warranty-engine.facts';

/**
 * Filing decides at once: the claim and the engine's decision on the facts the application
 * gathered are recorded together.
 */
export function file(command: FileWarrantyClaim, state: WarrantyClaimState): WarrantyClaimEvent[] {
  const d = command.data;
  if (state.status !== 'none') {
    throw new DomainError('claim_already_filed', `Claim ${d.claimId} was already filed`, {
      claimId: d.claimId,
    });
  }
  const at = toMillis(d.occurredAt);
  const purchase = d.purchase;
  if (
    purchase === null ||
    purchase.purchaseId !== d.purchaseId ||
    purchase.customerId !== d.customerId
  ) {
    throw new DomainError(
      'purchase_not_found',
      `Customer ${d.customerId} has no purchase ${d.purchaseId}`,
      { customerId: d.customerId, purchaseId: d.purchaseId },
    );
  }
  // A purchase without a serial is claimed by its id; '' is what older callers sent for none.
  const serialNumber = purchase.serialNumber ?? null;
  const given = d.serialNumber === undefined || d.serialNumber === '' ? null : d.serialNumber;
  if (given !== null && given !== serialNumber) {
    throw new DomainError(
      'serial_number_mismatch',
      `Serial ${given} is not the serial of purchase ${d.purchaseId}`,
      { purchaseId: d.purchaseId, serialNumber: given },
    );
  }
  const purchasedAt = toMillis(purchase.purchasedAt, 'purchase.purchasedAt');
  if (at < purchasedAt) {
    throw new DomainError('claim_before_purchase', 'A claim cannot be filed before the purchase', {
      occurredAt: d.occurredAt,
      purchasedAt: purchase.purchasedAt,
    });
  }
  const noticedAt = d.noticedAt ?? d.occurredAt;
  const noticed = toMillis(noticedAt, 'noticedAt');
  if (noticed > at) {
    throw new DomainError('noticed_after_filing', 'noticedAt cannot be later than the filing', {
      field: 'noticedAt',
      noticedAt,
      occurredAt: d.occurredAt,
    });
  }
  if (noticed < purchasedAt) {
    throw new DomainError('noticed_before_purchase', 'noticedAt cannot be before the purchase', {
      field: 'noticedAt',
      noticedAt,
      purchasedAt: purchase.purchasedAt,
    });
  }
  if (d.claimedAmount !== undefined && (!Number.isFinite(d.claimedAmount) || d.claimedAmount < 0)) {
    throw new DomainError('invalid_amount', `claimedAmount must be >= 0, got ${d.claimedAmount}`, {
      field: 'claimedAmount',
      value: d.claimedAmount,
    });
  }
  const versions = d.policyVersions.filter((v) => v.policyId === purchase.warrantyPolicyId);
  if (versions.length === 0) {
    throw new DomainError(
      'warranty_policy_not_found',
      `Warranty policy ${purchase.warrantyPolicyId} has no published version`,
      { policyId: purchase.warrantyPolicyId },
    );
  }
  const policy = policyInForce(versions, d.occurredAt);
  if (!policy) {
    throw new DomainError(
      'warranty_policy_not_in_force',
      `No version of warranty policy ${purchase.warrantyPolicyId} was in force at ${d.occurredAt}`,
      { policyId: purchase.warrantyPolicyId, occurredAt: d.occurredAt },
    );
  }

  const symptom = d.symptom ?? d.defect.description;
  const suspectedCause = d.suspectedCause ?? d.defect.cause;
  const defect = { code: d.defect.code, description: d.defect.description };
  const facts: WarrantyDecisionFacts = {
    claim: {
      claimId: d.claimId,
      customerId: d.customerId,
      purchaseId: d.purchaseId,
      serialNumber,
      filedAt: d.occurredAt,
      noticedAt,
      defect,
      symptom,
      ...(suspectedCause !== undefined ? { suspectedCause } : {}),
      evidence: d.evidence,
      ...(d.claimedAmount !== undefined ? { claimedAmount: d.claimedAmount } : {}),
      ...(d.remedyRequested !== undefined ? { remedyRequested: d.remedyRequested } : {}),
    },
    purchase,
    // Sorted so the facts (and their digest) do not depend on the order the caller found them in.
    priorClaims: d.priorClaims
      .filter((c) => c.claimId !== d.claimId && toMillis(c.filedAt, 'priorClaims.filedAt') < at)
      .sort((a, b) => toMillis(a.filedAt) - toMillis(b.filedAt) || compare(a.claimId, b.claimId)),
    policy,
    law: resolveConsumerLaw({
      countryCode: d.countryCode ?? null,
      region: d.region ?? null,
      jurisdiction: d.jurisdiction,
    }),
    expectedLifespanMonths: expectedLifespanMonths(purchase.productCategory),
    assessments: [],
    remedyRefusals: [],
  };

  return [
    {
      type: 'WarrantyClaimFiled',
      data: {
        claimId: d.claimId,
        customerId: d.customerId,
        occurredAt: d.occurredAt,
        noticedAt,
        purchaseId: d.purchaseId,
        serialNumber,
        defect,
        symptom,
        ...(suspectedCause !== undefined ? { suspectedCause } : {}),
        evidence: d.evidence,
        ...(d.claimedAmount !== undefined ? { claimedAmount: d.claimedAmount } : {}),
        ...(d.remedyRequested !== undefined ? { remedyRequested: d.remedyRequested } : {}),
        ...(d.region !== undefined ? { region: d.region } : {}),
      },
    },
    decidedEvent(facts, d.occurredAt, d.decidedBy),
  ];
}

export function decidedEvent(
  facts: WarrantyDecisionFacts,
  occurredAt: IsoDateTime,
  decidedBy: DecidedBy,
  trigger?: 'assessment' | 'remedy_refusal',
): WarrantyClaimEvent {
  const decision = decideWarrantyClaim(facts);
  return {
    type: 'WarrantyClaimDecided',
    data: {
      claimId: facts.claim.claimId,
      customerId: facts.claim.customerId,
      occurredAt,
      outcome: decision.outcome,
      remedy: decision.remedy,
      coveredAmount: decision.coveredAmount,
      currency: facts.purchase.currency,
      policyId: facts.policy.policyId,
      policyVersion: facts.policy.version,
      jurisdiction: facts.law.key,
      ruleTrace: decision.ruleTrace,
      facts,
      factsDigest: decision.factsDigest,
      engineVersion: decision.engineVersion,
      decidedBy,
      ...(trigger !== undefined ? { trigger } : {}),
    },
  };
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
