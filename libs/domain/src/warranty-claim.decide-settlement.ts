import { DomainError } from './domain-error';
import { toMillis } from './time';
import {
  alreadyFulfilled,
  claimNotFound,
  type FulfilWarrantyClaim,
  type OverrideWarrantyDecision,
  type WarrantyClaimState,
} from './warranty-claim.commands';
import type { IsoDateTime } from './domain-event';
import type { WarrantyClaimEvent, WarrantyOutcome } from './warranty-claim.events';

/** An agent overrides a decision (with a justification); an approved claim is fulfilled. */
export function override(
  command: OverrideWarrantyDecision,
  state: WarrantyClaimState,
): WarrantyClaimEvent[] {
  const d = command.data;
  const claim = inEffect(state, d.claimId, d.occurredAt);
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
    throw new DomainError('invalid_override', 'A rejected claim has no remedy and covers nothing', {
      outcome: d.outcome,
      remedy: d.remedy,
      coveredAmount: d.coveredAmount,
    });
  }
  if (!Number.isFinite(d.coveredAmount) || d.coveredAmount < 0) {
    throw new DomainError('invalid_amount', `coveredAmount must be >= 0, got ${d.coveredAmount}`, {
      field: 'coveredAmount',
      value: d.coveredAmount,
    });
  }
  if (d.coveredAmount > claim.price) {
    throw new DomainError(
      'covered_amount_exceeds_price',
      `Covered amount ${d.coveredAmount} exceeds the price paid (${claim.price})`,
      { coveredAmount: d.coveredAmount, price: claim.price },
    );
  }
  return [
    {
      type: 'WarrantyDecisionOverridden',
      data: {
        claimId: claim.claimId,
        customerId: claim.customerId,
        occurredAt: d.occurredAt,
        agentId: d.agentId,
        justification: d.justification,
        previous: {
          outcome: claim.outcome,
          remedy: claim.remedy,
          coveredAmount: claim.coveredAmount,
        },
        outcome: d.outcome,
        remedy: d.remedy,
        coveredAmount: d.coveredAmount,
      },
    },
  ];
}

export function fulfil(
  command: FulfilWarrantyClaim,
  state: WarrantyClaimState,
): WarrantyClaimEvent[] {
  const d = command.data;
  const claim = inEffect(state, d.claimId, d.occurredAt);
  if (claim.outcome !== 'approved' || claim.remedy === null) {
    throw new DomainError(
      'claim_not_approved',
      `Claim ${d.claimId} is ${claim.outcome}; only an approved claim is fulfilled`,
      { claimId: d.claimId, outcome: claim.outcome },
    );
  }
  return [
    {
      type: 'WarrantyClaimFulfilled',
      data: {
        claimId: claim.claimId,
        customerId: claim.customerId,
        occurredAt: d.occurredAt,
        remedy: claim.remedy,
        amount: claim.coveredAmount,
        currency: claim.currency,
        ...(d.reference !== undefined ? { reference: d.reference } : {}),
      },
    },
  ];
}

/** A claim with a decision (or override) in effect, not yet fulfilled. */
function inEffect(
  state: WarrantyClaimState,
  claimId: string,
  occurredAt: IsoDateTime,
): Exclude<WarrantyClaimState, { status: 'none' }> & { outcome: WarrantyOutcome } {
  toMillis(occurredAt);
  if (state.status === 'none' || state.outcome === null) throw claimNotFound(claimId);
  if (state.status === 'fulfilled') throw alreadyFulfilled(claimId);
  return { ...state, outcome: state.outcome };
}
