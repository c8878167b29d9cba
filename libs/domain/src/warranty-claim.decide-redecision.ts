import { DomainError } from './domain-error';
import type { IsoDateTime } from './domain-event';
import { resolveConsumerLaw } from './law/consumer-law';
import { toMillis } from './time';
import {
  alreadyFulfilled,
  claimNotFound,
  type AssessWarrantyClaim,
  type LawContext,
  type RefuseWarrantyRemedy,
  type WarrantyClaimState,
} from './warranty-claim.commands';
import { decidedEvent } from './warranty-claim.decide-filing';
import { evolve } from './warranty-claim.evolve';
import {
  isV1Facts,
  type AnyDecisionFacts,
  type WarrantyClaimEvent,
  type WarrantyDecisionFacts,
} from './warranty-claim.events';
import { factsFromV1 } from './warranty-engine.facts';

/**
 * An assessment of the cause, or the seller's refusal of a remedy, is recorded as its own event
 * and re-decides the claim: a new WarrantyClaimDecided with its trace.
 */
export function assess(
  command: AssessWarrantyClaim,
  state: WarrantyClaimState,
): WarrantyClaimEvent[] {
  const d = command.data;
  const decided = redecidable(state, d.claimId, d.occurredAt);
  if (d.assessedBy.trim() === '') {
    throw new DomainError('assessor_required', 'An assessment names who assessed the product');
  }
  const assessed: WarrantyClaimEvent = {
    type: 'WarrantyClaimAssessed',
    data: {
      claimId: decided.claimId,
      customerId: decided.customerId,
      occurredAt: d.occurredAt,
      cause: d.cause,
      assessedBy: d.assessedBy,
      method: d.method,
      ...(d.notes !== undefined ? { notes: d.notes } : {}),
      ...(d.serious !== undefined ? { serious: d.serious } : {}),
    },
  };
  return [assessed, redecide(decided, assessed, d, 'assessment')];
}

export function refuseRemedy(
  command: RefuseWarrantyRemedy,
  state: WarrantyClaimState,
): WarrantyClaimEvent[] {
  const d = command.data;
  const decided = redecidable(state, d.claimId, d.occurredAt);
  const invalid = (message: string, field: string) =>
    new DomainError('invalid_remedy_refusal', message, { field });
  if (d.reason.trim() === '') throw invalid('A refusal states its reason', 'reason');
  if (d.refusedBy.trim() === '') throw invalid('A refusal names who refused', 'refusedBy');
  for (const field of ['costOfRefusedRemedy', 'costOfAlternative'] as const) {
    const value = d[field];
    if (
      value !== undefined &&
      (!Number.isFinite(value) || value < 0 || Math.round(value * 100) / 100 !== value)
    ) {
      throw new DomainError(
        'invalid_amount',
        `${field} must be >= 0 in whole cents, got ${value}`,
        {
          field,
          value,
        },
      );
    }
  }
  if (
    d.ground === 'disproportionate' &&
    (d.costOfRefusedRemedy === undefined || d.costOfAlternative === undefined)
  ) {
    throw invalid(
      'A remedy refused as disproportionate needs its cost and the cost of the alternative',
      d.costOfRefusedRemedy === undefined ? 'costOfRefusedRemedy' : 'costOfAlternative',
    );
  }
  const refused: WarrantyClaimEvent = {
    type: 'WarrantyRemedyRefused',
    data: {
      claimId: decided.claimId,
      customerId: decided.customerId,
      occurredAt: d.occurredAt,
      remedy: d.remedy,
      ground: d.ground,
      reason: d.reason,
      refusedBy: d.refusedBy,
      ...(d.costOfRefusedRemedy !== undefined
        ? { costOfRefusedRemedy: d.costOfRefusedRemedy }
        : {}),
      ...(d.costOfAlternative !== undefined ? { costOfAlternative: d.costOfAlternative } : {}),
      currency: decided.currency,
    },
  };
  return [refused, redecide(decided, refused, d, 'remedy_refusal')];
}

type DecidedClaim = Exclude<WarrantyClaimState, { status: 'none' }> & {
  facts: AnyDecisionFacts;
};

/** A claim that an assessment or a refusal may re-decide: decided, not yet fulfilled. */
function redecidable(
  state: WarrantyClaimState,
  claimId: string,
  occurredAt: IsoDateTime,
): DecidedClaim {
  const at = toMillis(occurredAt);
  if (state.status === 'none') throw claimNotFound(claimId);
  if (state.status === 'fulfilled') throw alreadyFulfilled(claimId);
  if (state.status !== 'decided' || state.facts === null) {
    throw new DomainError('claim_not_decided', `Warranty claim ${claimId} has no decision yet`, {
      claimId,
    });
  }
  if (at < toMillis(state.facts.claim.filedAt)) {
    throw new DomainError('invalid_timestamp', 'occurredAt cannot be before the claim was filed', {
      field: 'occurredAt',
      value: occurredAt,
    });
  }
  return { ...state, facts: state.facts };
}

/** The decision again, on the latest facts plus what just happened; traced like the first. */
function redecide(
  state: DecidedClaim,
  happened: WarrantyClaimEvent,
  law: LawContext,
  trigger: 'assessment' | 'remedy_refusal',
): WarrantyClaimEvent {
  const next = evolve(state, happened);
  if (next.status === 'none') throw claimNotFound(state.claimId);
  const base = isV1Facts(state.facts)
    ? factsFromV1(
        state.facts,
        resolveConsumerLaw({
          countryCode: law.countryCode ?? null,
          region: law.region ?? null,
          jurisdiction: state.facts.jurisdiction.code,
        }),
      )
    : state.facts;
  const facts: WarrantyDecisionFacts = {
    ...base,
    assessments: next.assessments,
    remedyRefusals: next.remedyRefusals,
  };
  return decidedEvent(facts, happened.data.occurredAt, { kind: 'system' }, trigger);
}
