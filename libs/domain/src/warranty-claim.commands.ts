import type { Amount, CurrencyCode, DomainCommand, IsoDateTime } from './domain-event';
import { DomainError } from './domain-error';
import type {
  AnyDecisionFacts,
  AssessedCause,
  Assessment,
  AssessmentMethod,
  ClaimEvidence,
  DecidedBy,
  Defect,
  OverrideOutcome,
  PriorClaim,
  PurchaseSnapshot,
  RefusableRemedy,
  RefusalGround,
  RemedyRefusal,
  WarrantyOutcome,
} from './warranty-claim.events';
import type { DefectCause, WarrantyPolicyVersion, WarrantyRemedy } from './warranty-policy.events';

/** The warranty claim's commands and state (warranty-claim.decider.ts decides them). */

export type FileWarrantyClaim = DomainCommand<
  'FileWarrantyClaim',
  {
    claimId: string;
    customerId: string;
    occurredAt: IsoDateTime;
    purchaseId: string;
    /** Optional: a purchase without a serial number is claimed by purchase id. */
    serialNumber?: string;
    /** When the defect became apparent; defaults to occurredAt (older callers). */
    noticedAt?: IsoDateTime;
    /** `cause` here is the claimant's word (older callers): it is kept as suspectedCause. */
    defect: Defect;
    /** Defaults to the defect's description. */
    symptom?: string;
    suspectedCause?: DefectCause;
    evidence: ClaimEvidence;
    claimedAmount?: Amount;
    remedyRequested?: WarrantyRemedy;
    /** From the customer stream; null when the customer has no such purchase. */
    purchase: PurchaseSnapshot | null;
    /** Claims on the same serial; only those filed strictly earlier are used. */
    priorClaims: PriorClaim[];
    /** Every published version of the purchase's policy; the one in force at occurredAt is used. */
    policyVersions: WarrantyPolicyVersion[];
    /** The customer's jurisdiction code, e.g. 'EU': the fallback when no country is known. */
    jurisdiction: string;
    /** ISO 3166-1 alpha-2 from CustomerRegistered; picks the consumer-law row. */
    countryCode?: string | null;
    /** ISO 3166-2 part of the country where the law differs by part (GB-SCT, GB-NIR, GB-ENG, GB-WLS). */
    region?: string;
    decidedBy: DecidedBy;
  }
>;

/** Where the consumer law comes from, for re-deciding a claim engine v1 decided. */
export type LawContext = { countryCode?: string | null; region?: string };

export type AssessWarrantyClaim = DomainCommand<
  'AssessWarrantyClaim',
  LawContext & {
    claimId: string;
    occurredAt: IsoDateTime;
    cause: AssessedCause;
    assessedBy: string;
    method: AssessmentMethod;
    notes?: string;
    serious?: boolean;
  }
>;

export type RefuseWarrantyRemedy = DomainCommand<
  'RefuseWarrantyRemedy',
  LawContext & {
    claimId: string;
    occurredAt: IsoDateTime;
    remedy: RefusableRemedy;
    ground: RefusalGround;
    reason: string;
    refusedBy: string;
    costOfRefusedRemedy?: Amount;
    costOfAlternative?: Amount;
  }
>;

export type OverrideWarrantyDecision = DomainCommand<
  'OverrideWarrantyDecision',
  {
    claimId: string;
    occurredAt: IsoDateTime;
    agentId: string;
    justification: string;
    outcome: OverrideOutcome;
    /** Required when approving; must be null when rejecting. */
    remedy: WarrantyRemedy | null;
    /** 0..price; 0 when rejecting. */
    coveredAmount: Amount;
  }
>;

export type FulfilWarrantyClaim = DomainCommand<
  'FulfilWarrantyClaim',
  { claimId: string; occurredAt: IsoDateTime; reference?: string }
>;

export type WarrantyClaimCommand =
  | FileWarrantyClaim
  | AssessWarrantyClaim
  | RefuseWarrantyRemedy
  | OverrideWarrantyDecision
  | FulfilWarrantyClaim;
export type WarrantyClaimCommandType = WarrantyClaimCommand['type'];

export type WarrantyClaimState =
  | { status: 'none' }
  | {
      status: 'filed' | 'decided' | 'fulfilled';
      claimId: string;
      customerId: string;
      serialNumber: string | null;
      price: Amount;
      currency: CurrencyCode;
      /** The outcome in effect: the engine's latest, or the latest override's. */
      outcome: WarrantyOutcome | null;
      remedy: WarrantyRemedy | null;
      coveredAmount: Amount;
      overridden: boolean;
      /** The facts of the latest decision: a re-decision starts from them. */
      facts: AnyDecisionFacts | null;
      assessments: Assessment[];
      remedyRefusals: RemedyRefusal[];
    };

export function initialState(): WarrantyClaimState {
  return { status: 'none' };
}

export function claimNotFound(claimId: string): DomainError {
  return new DomainError('claim_not_found', `Warranty claim ${claimId} was never filed`, {
    claimId,
  });
}

export function alreadyFulfilled(claimId: string): DomainError {
  return new DomainError(
    'claim_already_fulfilled',
    `Warranty claim ${claimId} is already fulfilled`,
    {
      claimId,
    },
  );
}
