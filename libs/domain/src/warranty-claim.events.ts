import type { Amount, CurrencyCode, DomainEvent, IsoDateTime } from './domain-event';
import type { JurisdictionRules } from './jurisdictions';
import type { DefectCause, WarrantyPolicyVersion, WarrantyRemedy } from './warranty-policy.events';

/**
 * Warranty claim stream `warranty-<claimId>`. Every event's metadata carries the hash chain links
 * `prevHash` and `hash` (see hash-chain.ts). Data carries `customerId`, `claimId`, `occurredAt`.
 */

export const WARRANTY_OUTCOMES = ['approved', 'rejected', 'needs_review'] as const;
export type WarrantyOutcome = (typeof WARRANTY_OUTCOMES)[number];

/** What an agent may set by override: a human decides, so no further review. */
export const OVERRIDE_OUTCOMES = ['approved', 'rejected'] as const;
export type OverrideOutcome = (typeof OVERRIDE_OUTCOMES)[number];

export type Defect = {
  /** Product team's defect code, e.g. 'E42-NO-POWER'. */
  code: string;
  description: string;
  cause: DefectCause;
};

export type ClaimEvidence = {
  proofOfPurchase: boolean;
  /** References to stored photos (ids or URLs), never the images. */
  photos?: string[];
  notes?: string;
};

/** The purchase as the engine sees it, copied from the customer stream by the application. */
export type PurchaseSnapshot = {
  purchaseId: string;
  customerId: string;
  sku: string;
  productCategory: string;
  serialNumber?: string;
  price: Amount;
  currency: CurrencyCode;
  purchasedAt: IsoDateTime;
  /** null while undelivered: periods then run from purchase. */
  deliveredAt: IsoDateTime | null;
  warrantyPolicyId: string;
};

/** An earlier claim on the same serial, with the outcome in effect (after any override). */
export type PriorClaim = {
  claimId: string;
  filedAt: IsoDateTime;
  outcome: WarrantyOutcome;
  defectCode: string;
};

/** The claim as filed. */
export type WarrantyClaimDetails = {
  claimId: string;
  customerId: string;
  purchaseId: string;
  serialNumber: string;
  filedAt: IsoDateTime;
  defect: Defect;
  evidence: ClaimEvidence;
  claimedAmount?: Amount;
  /** What the consumer asks for; decides a short-term right to reject. */
  remedyRequested?: WarrantyRemedy;
};

/** Everything a decision depends on. Recorded in WarrantyClaimDecided so it can be recomputed. */
export type WarrantyDecisionFacts = {
  claim: WarrantyClaimDetails;
  purchase: PurchaseSnapshot;
  priorClaims: PriorClaim[];
  /** The version in force at claim.filedAt. */
  policy: WarrantyPolicyVersion;
  jurisdiction: JurisdictionRules;
};

export const RULE_IDS = [
  'proof_of_purchase',
  'commercial_coverage_period',
  'commercial_exclusions',
  'repeat_claims',
  'legal_guarantee_period',
  'legal_guarantee_cause',
  'legal_presumption',
  'outcome',
  'remedy',
  'covered_amount',
] as const;
export type RuleId = (typeof RULE_IDS)[number];

export type RuleResult = 'passed' | 'failed' | 'not_applicable';

/**
 * What a rule's result does to the decision: `cover` gives a basis for cover, `no_cover` takes
 * one away, `reject` and `needs_review` force the outcome (review only where there is cover or a
 * legal claim to examine), `none` has no effect.
 */
export type RuleEffect = 'none' | 'cover' | 'no_cover' | 'reject' | 'needs_review';

export type RuleInputValue = string | number | boolean | null | string[];

export type RuleTraceEntry = {
  ruleId: RuleId;
  description: string;
  inputs: Record<string, RuleInputValue>;
  result: RuleResult;
  effect: RuleEffect;
  /** One sentence a claimant or auditor can read. */
  explanation: string;
};

export type DecidedBy = { kind: 'system' } | { kind: 'agent'; agentId: string };

export type WarrantyClaimFiled = DomainEvent<
  'WarrantyClaimFiled',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    purchaseId: string;
    serialNumber: string;
    defect: Defect;
    evidence: ClaimEvidence;
    claimedAmount?: Amount;
    remedyRequested?: WarrantyRemedy;
  }
>;

export type WarrantyClaimDecided = DomainEvent<
  'WarrantyClaimDecided',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    outcome: WarrantyOutcome;
    /** null unless approved. */
    remedy: WarrantyRemedy | null;
    /** 0 unless approved. */
    coveredAmount: Amount;
    currency: CurrencyCode;
    policyId: string;
    policyVersion: number;
    jurisdiction: string;
    ruleTrace: RuleTraceEntry[];
    facts: WarrantyDecisionFacts;
    /** sha256 hex of canonicalJson(facts). */
    factsDigest: string;
    /** Version of the rule code, so a recomputation knows which engine to ask. */
    engineVersion: string;
    decidedBy: DecidedBy;
  }
>;

export type WarrantyDecisionOverridden = DomainEvent<
  'WarrantyDecisionOverridden',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    agentId: string;
    justification: string;
    previous: { outcome: WarrantyOutcome; remedy: WarrantyRemedy | null; coveredAmount: Amount };
    outcome: OverrideOutcome;
    remedy: WarrantyRemedy | null;
    coveredAmount: Amount;
  }
>;

export type WarrantyClaimFulfilled = DomainEvent<
  'WarrantyClaimFulfilled',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    remedy: WarrantyRemedy;
    amount: Amount;
    currency: CurrencyCode;
    /** Repair id, replacement order id or refund reference. */
    reference?: string;
  }
>;

export type WarrantyClaimEvent =
  WarrantyClaimFiled | WarrantyClaimDecided | WarrantyDecisionOverridden | WarrantyClaimFulfilled;

export type WarrantyClaimEventType = WarrantyClaimEvent['type'];

export const WARRANTY_CLAIM_EVENT_TYPES = [
  'WarrantyClaimFiled',
  'WarrantyClaimDecided',
  'WarrantyDecisionOverridden',
  'WarrantyClaimFulfilled',
] as const satisfies readonly WarrantyClaimEventType[];

export const WARRANTY_CLAIM_STREAM_CATEGORY = 'warranty';
export const warrantyClaimStreamId = (claimId: string): string =>
  `${WARRANTY_CLAIM_STREAM_CATEGORY}-${claimId}`;

export function isWarrantyClaimEvent(event: { type: string }): event is WarrantyClaimEvent {
  return (WARRANTY_CLAIM_EVENT_TYPES as readonly string[]).includes(event.type);
}
