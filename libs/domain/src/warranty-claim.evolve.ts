import { assertNever } from './domain-event';
import type { WarrantyClaimState } from './warranty-claim.commands';
import type { Assessment, RemedyRefusal, WarrantyClaimEvent } from './warranty-claim.events';

/** How each warranty claim event changes the claim's state. */
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
        facts: null,
        assessments: [],
        remedyRefusals: [],
      };
    case 'WarrantyClaimDecided':
      if (state.status === 'none') return state;
      return {
        ...state,
        status: state.status === 'fulfilled' ? 'fulfilled' : 'decided',
        price: data.facts.purchase.price,
        currency: data.currency,
        outcome: data.outcome,
        remedy: data.remedy,
        coveredAmount: data.coveredAmount,
        facts: data.facts,
      };
    case 'WarrantyClaimAssessed': {
      if (state.status === 'none') return state;
      const assessment: Assessment = {
        cause: data.cause,
        assessedBy: data.assessedBy,
        method: data.method,
        ...(data.serious !== undefined ? { serious: data.serious } : {}),
        assessedAt: data.occurredAt,
      };
      return { ...state, assessments: [...state.assessments, assessment] };
    }
    case 'WarrantyRemedyRefused': {
      if (state.status === 'none') return state;
      const refusal: RemedyRefusal = {
        remedy: data.remedy,
        ground: data.ground,
        reason: data.reason,
        refusedBy: data.refusedBy,
        ...(data.costOfRefusedRemedy !== undefined
          ? { costOfRefusedRemedy: data.costOfRefusedRemedy }
          : {}),
        ...(data.costOfAlternative !== undefined
          ? { costOfAlternative: data.costOfAlternative }
          : {}),
        currency: data.currency,
        refusedAt: data.occurredAt,
      };
      return { ...state, remedyRefusals: [...state.remedyRefusals, refusal] };
    }
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
