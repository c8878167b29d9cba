import { DomainError } from './domain-error';
import type { Amount, CurrencyCode, DomainCommand, IsoDateTime } from './domain-event';
import { assertNever } from './domain-event';
import type { JurisdictionTable } from './jurisdictions';
import { jurisdictionRules } from './jurisdictions';
import { toMillis } from './time';
import type {
  ClaimEvidence,
  DecidedBy,
  Defect,
  OverrideOutcome,
  PriorClaim,
  PurchaseSnapshot,
  WarrantyClaimEvent,
  WarrantyDecisionFacts,
  WarrantyOutcome,
} from './warranty-claim.events';
import { decideWarrantyClaim, policyInForce } from './warranty-policy';
import type { WarrantyPolicyVersion, WarrantyRemedy } from './warranty-policy.events';

/**
 * The warranty claim decider (stream `warranty-<claimId>`). Filing decides at once: the
 * application gathers the facts (purchase snapshot, earlier claims on the serial, the policy's
 * versions, the customer's jurisdiction) and `decide` records the claim and the engine's decision
 * together. Agents then override (with a justification) and the claim is fulfilled once approved.
 * The application adds hash chain links to every event before appending (hash-chain.ts).
 */

export type FileWarrantyClaim = DomainCommand<
  'FileWarrantyClaim',
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
    /** From the customer stream; null when the customer has no such purchase. */
    purchase: PurchaseSnapshot | null;
    /** Claims on the same serial; only those filed strictly earlier are used. */
    priorClaims: PriorClaim[];
    /** Every published version of the purchase's policy; the one in force at occurredAt is used. */
    policyVersions: WarrantyPolicyVersion[];
    /** The customer's jurisdiction code, e.g. 'EU'. */
    jurisdiction: string;
    /** Defaults to DEFAULT_JURISDICTIONS. */
    jurisdictionTable?: JurisdictionTable;
    decidedBy: DecidedBy;
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
  FileWarrantyClaim | OverrideWarrantyDecision | FulfilWarrantyClaim;
export type WarrantyClaimCommandType = WarrantyClaimCommand['type'];

export type WarrantyClaimState =
  | { status: 'none' }
  | {
      status: 'filed' | 'decided' | 'fulfilled';
      claimId: string;
      customerId: string;
      serialNumber: string;
      price: Amount;
      currency: CurrencyCode;
      /** The outcome in effect: the engine's, or the latest override's. */
      outcome: WarrantyOutcome | null;
      remedy: WarrantyRemedy | null;
      coveredAmount: Amount;
      overridden: boolean;
    };

export function initialState(): WarrantyClaimState {
  return { status: 'none' };
}

export function evolve(state: WarrantyClaimState, event: WarrantyClaimEvent): WarrantyClaimState {
  const { type, data } = event;
  switch (type) {
    case 'WarrantyClaimFiled':
      return {
        status: 'filed',
        claimId: data.claimId,
        customerId: data.customerId,
        serialNumber: data.serialNumber,
        price: 0,
        currency: '',
        outcome: null,
        remedy: null,
        coveredAmount: 0,
        overridden: false,
      };
    case 'WarrantyClaimDecided':
      if (state.status === 'none') return state;
      return {
        ...state,
        status: 'decided',
        price: data.facts.purchase.price,
        currency: data.currency,
        outcome: data.outcome,
        remedy: data.remedy,
        coveredAmount: data.coveredAmount,
      };
    case 'WarrantyDecisionOverridden':
      if (state.status === 'none') return state;
      return {
        ...state,
        outcome: data.outcome,
        remedy: data.remedy,
        coveredAmount: data.coveredAmount,
        overridden: true,
      };
    case 'WarrantyClaimFulfilled':
      if (state.status === 'none') return state;
      return { ...state, status: 'fulfilled' };
    default:
      return assertNever(type, 'warranty claim event');
  }
}

export function decide(
  command: WarrantyClaimCommand,
  state: WarrantyClaimState,
): WarrantyClaimEvent[] {
  switch (command.type) {
    case 'FileWarrantyClaim':
      return file(command, state);

    case 'OverrideWarrantyDecision': {
      const d = command.data;
      toMillis(d.occurredAt);
      if (state.status === 'none' || state.outcome === null) throw claimNotFound(d.claimId);
      if (state.status === 'fulfilled') throw alreadyFulfilled(d.claimId);
      if (d.agentId.trim() === '') {
        throw new DomainError('agent_required', 'An override names the agent who made it');
      }
      if (d.justification.trim() === '') {
        throw new DomainError('justification_required', 'An override needs a justification');
      }
      if (d.outcome === 'approved' && d.remedy === null) {
        throw new DomainError('invalid_override', 'Approving a claim needs a remedy', {
          outcome: d.outcome,
        });
      }
      if (d.outcome === 'rejected' && (d.remedy !== null || d.coveredAmount !== 0)) {
        throw new DomainError(
          'invalid_override',
          'A rejected claim has no remedy and covers nothing',
          { outcome: d.outcome, remedy: d.remedy, coveredAmount: d.coveredAmount },
        );
      }
      if (!Number.isFinite(d.coveredAmount) || d.coveredAmount < 0) {
        throw new DomainError(
          'invalid_amount',
          `coveredAmount must be >= 0, got ${d.coveredAmount}`,
          {
            field: 'coveredAmount',
            value: d.coveredAmount,
          },
        );
      }
      if (d.coveredAmount > state.price) {
        throw new DomainError(
          'covered_amount_exceeds_price',
          `Covered amount ${d.coveredAmount} exceeds the price paid (${state.price})`,
          { coveredAmount: d.coveredAmount, price: state.price },
        );
      }
      return [
        {
          type: 'WarrantyDecisionOverridden',
          data: {
            claimId: state.claimId,
            customerId: state.customerId,
            occurredAt: d.occurredAt,
            agentId: d.agentId,
            justification: d.justification,
            previous: {
              outcome: state.outcome,
              remedy: state.remedy,
              coveredAmount: state.coveredAmount,
            },
            outcome: d.outcome,
            remedy: d.remedy,
            coveredAmount: d.coveredAmount,
          },
        },
      ];
    }

    case 'FulfilWarrantyClaim': {
      const d = command.data;
      toMillis(d.occurredAt);
      if (state.status === 'none' || state.outcome === null) throw claimNotFound(d.claimId);
      if (state.status === 'fulfilled') throw alreadyFulfilled(d.claimId);
      if (state.outcome !== 'approved' || state.remedy === null) {
        throw new DomainError(
          'claim_not_approved',
          `Claim ${d.claimId} is ${state.outcome}; only an approved claim is fulfilled`,
          { claimId: d.claimId, outcome: state.outcome },
        );
      }
      return [
        {
          type: 'WarrantyClaimFulfilled',
          data: {
            claimId: state.claimId,
            customerId: state.customerId,
            occurredAt: d.occurredAt,
            remedy: state.remedy,
            amount: state.coveredAmount,
            currency: state.currency,
            ...(d.reference !== undefined ? { reference: d.reference } : {}),
          },
        },
      ];
    }

    default:
      return assertNever(command, 'warranty claim command');
  }
}

function file(command: FileWarrantyClaim, state: WarrantyClaimState): WarrantyClaimEvent[] {
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
  if (purchase.serialNumber !== d.serialNumber) {
    throw new DomainError(
      'serial_number_mismatch',
      `Serial ${d.serialNumber} is not the serial of purchase ${d.purchaseId}`,
      { purchaseId: d.purchaseId, serialNumber: d.serialNumber },
    );
  }
  if (at < toMillis(purchase.purchasedAt, 'purchase.purchasedAt')) {
    throw new DomainError('claim_before_purchase', 'A claim cannot be filed before the purchase', {
      occurredAt: d.occurredAt,
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

  const facts: WarrantyDecisionFacts = {
    claim: {
      claimId: d.claimId,
      customerId: d.customerId,
      purchaseId: d.purchaseId,
      serialNumber: d.serialNumber,
      filedAt: d.occurredAt,
      defect: d.defect,
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
    jurisdiction: jurisdictionRules(d.jurisdiction, d.jurisdictionTable),
  };
  const decision = decideWarrantyClaim(facts);

  return [
    {
      type: 'WarrantyClaimFiled',
      data: {
        claimId: d.claimId,
        customerId: d.customerId,
        occurredAt: d.occurredAt,
        purchaseId: d.purchaseId,
        serialNumber: d.serialNumber,
        defect: d.defect,
        evidence: d.evidence,
        ...(d.claimedAmount !== undefined ? { claimedAmount: d.claimedAmount } : {}),
        ...(d.remedyRequested !== undefined ? { remedyRequested: d.remedyRequested } : {}),
      },
    },
    {
      type: 'WarrantyClaimDecided',
      data: {
        claimId: d.claimId,
        customerId: d.customerId,
        occurredAt: d.occurredAt,
        outcome: decision.outcome,
        remedy: decision.remedy,
        coveredAmount: decision.coveredAmount,
        currency: purchase.currency,
        policyId: policy.policyId,
        policyVersion: policy.version,
        jurisdiction: facts.jurisdiction.code,
        ruleTrace: decision.ruleTrace,
        facts,
        factsDigest: decision.factsDigest,
        engineVersion: decision.engineVersion,
        decidedBy: d.decidedBy,
      },
    },
  ];
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function claimNotFound(claimId: string): DomainError {
  return new DomainError('claim_not_found', `Warranty claim ${claimId} was never filed`, {
    claimId,
  });
}

function alreadyFulfilled(claimId: string): DomainError {
  return new DomainError(
    'claim_already_fulfilled',
    `Warranty claim ${claimId} is already fulfilled`,
    {
      claimId,
    },
  );
}

export function foldWarrantyClaim(events: readonly WarrantyClaimEvent[]): WarrantyClaimState {
  return events.reduce(evolve, initialState());
}

export const warrantyClaimDecider = { decide, evolve, initialState } as const;
