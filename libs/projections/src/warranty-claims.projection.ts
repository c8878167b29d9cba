import type {
  DecidedBy,
  Defect,
  OverrideOutcome,
  RuleId,
  WarrantyOutcome,
  WarrantyRemedy,
} from '@aftercare/domain';
import { assertNever, WARRANTY_CLAIM_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent } from './event-data';
import { storedWarrantyClaim } from './warranty-claims.stored';

/**
 * Warranty claims, keyed by claimId: the claim as filed, a summary of the decision (the full
 * rule trace and facts stay in the event, for the audit API), overrides and fulfilment. Listable
 * by outcome, policy version, decision date and product category.
 */

export interface WarrantyDecisionSummary {
  outcome: WarrantyOutcome;
  remedy: WarrantyRemedy | null;
  coveredAmount: number;
  currency: string;
  policyId: string;
  policyVersion: number;
  jurisdiction: string;
  decidedAt: string;
  decidedBy: DecidedBy;
  engineVersion: string;
  factsDigest: string;
  /** Rules that failed, in trace order: why a claim was not simply covered. */
  failedRules: RuleId[];
  /** The trace's explanation of the outcome rule, when present. */
  explanation: string | null;
}

export interface WarrantyOverrideRecord {
  agentId: string;
  justification: string;
  at: string;
  from: WarrantyOutcome;
  to: OverrideOutcome;
  coveredAmount: number;
}

export interface WarrantyClaimState {
  claimId: string;
  customerId: string | null;
  purchaseId: string | null;
  serialNumber: string | null;
  filedAt: string | null;
  defect: Defect | null;
  proofOfPurchase: boolean | null;
  claimedAmount: number | null;
  remedyRequested: WarrantyRemedy | null;
  /** From the decision's purchase snapshot (the filed claim does not carry them). */
  sku: string | null;
  productCategory: string | null;
  decision: WarrantyDecisionSummary | null;
  overrides: WarrantyOverrideRecord[];
  /** In effect: the last override's outcome, else the decision's, else 'pending'. */
  outcome: WarrantyOutcome | 'pending';
  remedy: WarrantyRemedy | null;
  coveredAmount: number;
  currency: string | null;
  fulfilment: {
    at: string;
    remedy: WarrantyRemedy;
    amount: number;
    currency: string;
    reference: string | null;
  } | null;
}

export function initialWarrantyClaim(claimId: string): WarrantyClaimState {
  return {
    claimId,
    customerId: null,
    purchaseId: null,
    serialNumber: null,
    filedAt: null,
    defect: null,
    proofOfPurchase: null,
    claimedAmount: null,
    remedyRequested: null,
    sku: null,
    productCategory: null,
    decision: null,
    overrides: [],
    outcome: 'pending',
    remedy: null,
    coveredAmount: 0,
    currency: null,
    fulfilment: null,
  };
}

export function evolveWarrantyClaim(
  current: WarrantyClaimState,
  recorded: RecordedEvent,
): WarrantyClaimState {
  const event = asAftercareEvent(recorded);
  if (!event) return current;
  // A shallow copy: every nested value below is replaced whole, never changed in place.
  const state: WarrantyClaimState = { ...current };
  switch (event.type) {
    case 'WarrantyClaimFiled': {
      const d = event.data;
      state.customerId = d.customerId;
      state.purchaseId = d.purchaseId;
      state.serialNumber = d.serialNumber;
      state.filedAt = d.occurredAt;
      state.defect = d.defect;
      state.proofOfPurchase = d.evidence.proofOfPurchase;
      state.claimedAmount = d.claimedAmount ?? null;
      state.remedyRequested = d.remedyRequested ?? null;
      break;
    }
    case 'WarrantyClaimDecided': {
      const d = event.data;
      state.customerId ??= d.customerId;
      state.sku = d.facts.purchase.sku;
      state.productCategory = d.facts.purchase.productCategory;
      state.purchaseId ??= d.facts.purchase.purchaseId;
      state.serialNumber ??= d.facts.claim.serialNumber;
      state.filedAt ??= d.facts.claim.filedAt;
      state.defect ??= d.facts.claim.defect;
      state.decision = {
        outcome: d.outcome,
        remedy: d.remedy,
        coveredAmount: d.coveredAmount,
        currency: d.currency,
        policyId: d.policyId,
        policyVersion: d.policyVersion,
        jurisdiction: d.jurisdiction,
        decidedAt: d.occurredAt,
        decidedBy: d.decidedBy,
        engineVersion: d.engineVersion,
        factsDigest: d.factsDigest,
        failedRules: d.ruleTrace.filter((r) => r.result === 'failed').map((r) => r.ruleId),
        explanation: d.ruleTrace.find((r) => r.ruleId === 'outcome')?.explanation ?? null,
      };
      state.outcome = d.outcome;
      state.remedy = d.remedy;
      state.coveredAmount = d.coveredAmount;
      state.currency = d.currency;
      break;
    }
    case 'WarrantyDecisionOverridden': {
      const d = event.data;
      state.overrides = [
        ...state.overrides,
        {
          agentId: d.agentId,
          justification: d.justification,
          at: d.occurredAt,
          from: d.previous.outcome,
          to: d.outcome,
          coveredAmount: d.coveredAmount,
        },
      ];
      state.outcome = d.outcome;
      state.remedy = d.remedy;
      state.coveredAmount = d.coveredAmount;
      break;
    }
    case 'WarrantyClaimFulfilled': {
      const d = event.data;
      state.fulfilment = {
        at: d.occurredAt,
        remedy: d.remedy,
        amount: d.amount,
        currency: d.currency,
        reference: d.reference ?? null,
      };
      state.currency ??= d.currency;
      break;
    }
    case 'CustomerRegistered':
    case 'PurchaseRecorded':
    case 'DeliveryScheduled':
    case 'DeliveryCompleted':
    case 'SetupCompleted':
    case 'SetupFailed':
    case 'ComplaintFiled':
    case 'ComplaintAcknowledged':
    case 'ComplaintEscalated':
    case 'ComplaintResolved':
    case 'ComplaintReopened':
    case 'RepairCompleted':
    case 'ReturnRequested':
    case 'ReturnCompleted':
    case 'FeedbackReceived':
    case 'ReferralMade':
    case 'MaintenancePlanSubscribed':
    case 'MaintenancePlanCancelled':
    case 'RetentionActionTaken':
    case 'CustomerPiiErased':
    case 'WarrantyPolicyPublished':
    case 'WarrantyClaimAssessed':
    case 'WarrantyRemedyRefused':
    case 'FollowUpTaskCreated':
    case 'FollowUpTaskCompleted':
    case 'FollowUpTaskOverdue':
    case 'FollowUpTaskEscalated':
    case 'PlaybookPublished':
    case 'PromiseMade':
    case 'PromiseKept':
    case 'PromiseBroken':
      return current;
    default:
      assertNever(event, 'event');
  }
  return state;
}

/** What the business paid or committed for a claim: the fulfilled amount, else the covered one. */
export function warrantyClaimCost(state: WarrantyClaimState): number {
  if (state.fulfilment) return state.fulfilment.amount;
  return state.outcome === 'approved' ? state.coveredAmount : 0;
}

export const warrantyClaimsProjection: Projection<WarrantyClaimState> = {
  name: 'warranty_claims',
  // 2: stored in its compact form (`storedWarrantyClaim`).
  version: 2,
  filter: { categories: [WARRANTY_CLAIM_STREAM_CATEGORY] },
  keyOf: (event) => {
    const data = event.data as { claimId?: unknown } | null;
    return data && typeof data.claimId === 'string' ? data.claimId : undefined;
  },
  // A claim's (a complaint's) events are all about the customer who filed it.
  customerScope: 'customer',
  initialState: initialWarrantyClaim,
  evolve: evolveWarrantyClaim,
  stored: storedWarrantyClaim,
  columns: {
    outcome: (s) => s.outcome,
    policyVersion: (s) => s.decision?.policyVersion ?? null,
    decidedAt: (s) => s.decision?.decidedAt ?? null,
    productCategory: (s) => s.productCategory,
    sku: (s) => s.sku,
    customerId: (s) => s.customerId,
    filedAt: (s) => s.filedAt,
  },
  // One customer's claims (their next best actions); every other read is by key.
  indexes: ['customerId'],
};
