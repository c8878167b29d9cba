import type { Amount, CurrencyCode, DomainEvent, IsoDateTime } from './domain-event';
import type { JurisdictionRules } from './jurisdictions';
import type { ConsumerLawRow } from './law/consumer-law';
import type { DefectCause, WarrantyPolicyVersion, WarrantyRemedy } from './warranty-policy.events';

/**
 * Warranty claim stream `warranty-<claimId>`. Every event's metadata carries the hash chain links
 * `prevHash` and `hash` (see hash-chain.ts). Data carries `customerId`, `claimId`, `occurredAt`.
 */

export const WARRANTY_OUTCOMES = [
  'approved',
  'rejected',
  'needs_review',
  // The legal path waits for an assessment of the cause (after the presumption period).
  'needs_assessment',
] as const;
export type WarrantyOutcome = (typeof WARRANTY_OUTCOMES)[number];

/** What an agent may set by override: a human decides, so no further review. */
export const OVERRIDE_OUTCOMES = ['approved', 'rejected'] as const;
export type OverrideOutcome = (typeof OVERRIDE_OUTCOMES)[number];

export type Defect = {
  /** Product team's defect code, e.g. 'E42-NO-POWER'. */
  code: string;
  description: string;
  /**
   * Schema v1 only: the cause as the claimant stated it. The cause is not the claimant's to
   * certify, so v2 records it as `suspectedCause` (the upcaster moves it) and an assessment
   * establishes the cause.
   */
  cause?: DefectCause;
};

/** What an assessment can establish. `manufacturing` is a lack of conformity present at delivery. */
export const ASSESSED_CAUSES = [
  'manufacturing',
  'accidental_damage',
  'misuse',
  'unauthorised_repair',
  'wear',
  'undetermined',
] as const;
export type AssessedCause = (typeof ASSESSED_CAUSES)[number];

/** Causes that are not a lack of conformity: never legally covered once established. */
export const NON_CONFORMITY_EXCLUDING_CAUSES: readonly AssessedCause[] = [
  'accidental_damage',
  'misuse',
  'unauthorised_repair',
  'wear',
];

export const ASSESSMENT_METHODS = [
  'inspection',
  'workshop_test',
  'remote_diagnosis',
  'expert_report',
] as const;
export type AssessmentMethod = (typeof ASSESSMENT_METHODS)[number];

/**
 * The cause as established by someone who examined the product (not the claimant). The
 * assessor's notes stay in WarrantyClaimAssessed (free text, sealed as personal data): they decide
 * nothing, so the facts leave them out.
 */
export type Assessment = {
  cause: AssessedCause;
  assessedBy: string;
  method: AssessmentMethod;
  /** A serious lack of conformity justifies price reduction or a refund at once (art. 13(4)(c)). */
  serious?: boolean;
  assessedAt: IsoDateTime;
};

export const REFUSABLE_REMEDIES = ['repair', 'replace'] as const;
export type RefusableRemedy = (typeof REFUSABLE_REMEDIES)[number];
export const REFUSAL_GROUNDS = ['impossible', 'disproportionate'] as const;
export type RefusalGround = (typeof REFUSAL_GROUNDS)[number];

/** The seller's refusal of the remedy the consumer chose, with its grounds and figures. */
export type RemedyRefusal = {
  remedy: RefusableRemedy;
  ground: RefusalGround;
  reason: string;
  refusedBy: string;
  /** What the refused remedy would cost the seller; required when disproportionate. */
  costOfRefusedRemedy?: Amount;
  /** What the other remedy would cost; required when disproportionate. */
  costOfAlternative?: Amount;
  currency: CurrencyCode;
  refusedAt: IsoDateTime;
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

/** An earlier claim on the same serial (or purchase), with the outcome in effect (after any override). */
export type PriorClaim = {
  claimId: string;
  filedAt: IsoDateTime;
  outcome: WarrantyOutcome;
  defectCode: string;
  /** v2: the purchase claimed and the remedy in effect; a repeat of a repaired defect is a failed remedy. */
  purchaseId?: string;
  remedy?: WarrantyRemedy | null;
};

/** The claim as engine v1 saw it (decisions recorded with engineVersion warranty-engine/1). */
export type WarrantyClaimDetailsV1 = {
  claimId: string;
  customerId: string;
  purchaseId: string;
  serialNumber: string;
  filedAt: IsoDateTime;
  defect: Required<Defect>;
  evidence: ClaimEvidence;
  claimedAmount?: Amount;
  /** What the consumer asks for; decides a short-term right to reject. */
  remedyRequested?: WarrantyRemedy;
};

/** The facts engine v1 recorded; old decisions still verify against them. */
export type WarrantyDecisionFactsV1 = {
  claim: WarrantyClaimDetailsV1;
  purchase: PurchaseSnapshot;
  priorClaims: PriorClaim[];
  /** The version in force at claim.filedAt. */
  policy: WarrantyPolicyVersion;
  jurisdiction: JurisdictionRules;
};

/** The claim as filed (engine v2). */
export type WarrantyClaimDetails = {
  claimId: string;
  customerId: string;
  purchaseId: string;
  /** null when the purchase has no serial number: such a claim is made by purchase id. */
  serialNumber: string | null;
  filedAt: IsoDateTime;
  /** When the defect became apparent: decides the guarantee and the presumption. */
  noticedAt: IsoDateTime;
  defect: { code: string; description: string };
  /** What the customer observes, in their words. */
  symptom: string;
  /** The customer's guess at the cause; it decides nothing on the legal path. */
  suspectedCause?: DefectCause;
  evidence: ClaimEvidence;
  claimedAmount?: Amount;
  remedyRequested?: WarrantyRemedy;
};

/**
 * Everything an engine v2 decision depends on. Recorded in WarrantyClaimDecided so it can be
 * recomputed: the consumer-law row used is copied in, so a later change of the table never
 * changes how an old decision verifies.
 */
export type WarrantyDecisionFacts = {
  claim: WarrantyClaimDetails;
  purchase: PurchaseSnapshot;
  /** Earlier claims on the same serial or purchase. */
  priorClaims: PriorClaim[];
  /** The commercial policy version in force at claim.filedAt. */
  policy: WarrantyPolicyVersion;
  /** The consumer-law row for the customer's country (and region). */
  law: ConsumerLawRow;
  /** Expected lifespan of the product category, where the law has no fixed term. */
  expectedLifespanMonths: number | null;
  /** In the order recorded; the latest decides. */
  assessments: Assessment[];
  remedyRefusals: RemedyRefusal[];
};

export type AnyDecisionFacts = WarrantyDecisionFacts | WarrantyDecisionFactsV1;

export function isV1Facts(facts: AnyDecisionFacts): facts is WarrantyDecisionFactsV1 {
  return 'jurisdiction' in facts;
}

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

/** Engine v2's rules, legal path first, each traced on every decision. */
export const RULE_IDS_V2 = [
  'legal_law_applicable',
  'legal_proof_of_purchase',
  'legal_limitation',
  'legal_guarantee_period',
  'legal_notification',
  'legal_presumption',
  'legal_cause',
  'legal_remedy',
  'commercial_proof_of_purchase',
  'commercial_coverage_period',
  'commercial_exclusions',
  'repeat_claims',
  'commercial_remedy',
  'outcome',
  'remedy',
  'covered_amount',
] as const;
export type RuleId = (typeof RULE_IDS)[number] | (typeof RULE_IDS_V2)[number];

export type RuleResult = 'passed' | 'failed' | 'not_applicable';

/**
 * What a rule's result does to the decision: `cover` gives a basis for cover, `no_cover` takes
 * one away, `reject` and `needs_review` force the outcome (review only where there is cover or a
 * legal claim to examine), `none` has no effect.
 */
export type RuleEffect =
  'none' | 'cover' | 'no_cover' | 'reject' | 'needs_review' | 'needs_assessment';

export type RuleInputValue = string | number | boolean | null | string[];

export type RuleTraceEntry = {
  ruleId: RuleId;
  description: string;
  inputs: Record<string, RuleInputValue>;
  result: RuleResult;
  effect: RuleEffect;
  /** One sentence a claimant or auditor can read. */
  explanation: string;
  /** Legal rules: the provision the rule applies. */
  statute?: string;
};

export type DecidedBy = { kind: 'system' } | { kind: 'agent'; agentId: string };

export type WarrantyClaimFiled = DomainEvent<
  'WarrantyClaimFiled',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    purchaseId: string;
    /** v1: '' when the purchase had none; v2: null. */
    serialNumber: string | null;
    /** v2 (the upcaster sets occurredAt for v1 events). */
    noticedAt: IsoDateTime;
    defect: Defect;
    /** v2 (the upcaster copies the v1 defect description). */
    symptom: string;
    suspectedCause?: DefectCause;
    evidence: ClaimEvidence;
    claimedAmount?: Amount;
    remedyRequested?: WarrantyRemedy;
    /** ISO 3166-2 part where the law differs by part of the country (GB-SCT, GB-NIR, ...). */
    region?: string;
  }
>;

/** The cause established by someone who examined the product. Re-decides the claim. */
export type WarrantyClaimAssessed = DomainEvent<
  'WarrantyClaimAssessed',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    cause: AssessedCause;
    assessedBy: string;
    method: AssessmentMethod;
    notes?: string;
    serious?: boolean;
  }
>;

/** The seller refused the chosen remedy as impossible or disproportionate. Re-decides the claim. */
export type WarrantyRemedyRefused = DomainEvent<
  'WarrantyRemedyRefused',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    remedy: RefusableRemedy;
    ground: RefusalGround;
    reason: string;
    refusedBy: string;
    costOfRefusedRemedy?: Amount;
    costOfAlternative?: Amount;
    currency: CurrencyCode;
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
    /** Shape depends on engineVersion (v1 facts for warranty-engine/1). */
    facts: AnyDecisionFacts;
    /** sha256 hex of canonicalJson(facts). */
    factsDigest: string;
    /** Version of the rule code, so a recomputation knows which engine to ask. */
    engineVersion: string;
    decidedBy: DecidedBy;
    /** What re-decided the claim: absent on filing. */
    trigger?: 'assessment' | 'remedy_refusal';
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
  | WarrantyClaimFiled
  | WarrantyClaimDecided
  | WarrantyClaimAssessed
  | WarrantyRemedyRefused
  | WarrantyDecisionOverridden
  | WarrantyClaimFulfilled;

export type WarrantyClaimEventType = WarrantyClaimEvent['type'];

export const WARRANTY_CLAIM_EVENT_TYPES = [
  'WarrantyClaimFiled',
  'WarrantyClaimDecided',
  'WarrantyClaimAssessed',
  'WarrantyRemedyRefused',
  'WarrantyDecisionOverridden',
  'WarrantyClaimFulfilled',
] as const satisfies readonly WarrantyClaimEventType[];

export const WARRANTY_CLAIM_STREAM_CATEGORY = 'warranty';
export const warrantyClaimStreamId = (claimId: string): string =>
  `${WARRANTY_CLAIM_STREAM_CATEGORY}-${claimId}`;

export function isWarrantyClaimEvent(event: { type: string }): event is WarrantyClaimEvent {
  return (WARRANTY_CLAIM_EVENT_TYPES as readonly string[]).includes(event.type);
}
