import { assertNever } from './domain-event';
import {
  initialState,
  type WarrantyClaimCommand,
  type WarrantyClaimState,
} from './warranty-claim.commands';
import { file } from './warranty-claim.decide-filing';
import { assess, refuseRemedy } from './warranty-claim.decide-redecision';
import { fulfil, override } from './warranty-claim.decide-settlement';
import { evolve } from './warranty-claim.evolve';
import type { WarrantyClaimEvent } from './warranty-claim.events';

export type {
  AssessWarrantyClaim,
  FileWarrantyClaim,
  FulfilWarrantyClaim,
  OverrideWarrantyDecision,
  RefuseWarrantyRemedy,
  WarrantyClaimCommand,
  WarrantyClaimCommandType,
  WarrantyClaimState,
} from './warranty-claim.commands';
export { initialState } from './warranty-claim.commands';
export { evolve } from './warranty-claim.evolve';

/**
 * The warranty claim decider (stream `warranty-<claimId>`). Filing decides at once: the
 * application gathers the facts (purchase snapshot, earlier claims on the serial or purchase, the
 * policy's versions, the customer's country and jurisdiction) and `decide` records the claim and
 * the engine's decision together. An assessment of the cause, or the seller's refusal of a
 * remedy, is recorded as its own event and re-decides the claim (a new WarrantyClaimDecided with
 * its trace). Agents override (with a justification) and the claim is fulfilled once approved.
 * The application adds hash chain links to every event before appending (hash-chain.ts).
 *
 * Commands and state: warranty-claim.commands.ts; filing: warranty-claim.decide-filing.ts;
 * assessments and refusals: warranty-claim.decide-redecision.ts; overrides and fulfilment:
 * warranty-claim.decide-settlement.ts; evolve: warranty-claim.evolve.ts.
 */
export function decide(
  command: WarrantyClaimCommand,
  state: WarrantyClaimState,
): WarrantyClaimEvent[] {
  switch (command.type) {
    case 'FileWarrantyClaim':
      return file(command, state);
    case 'AssessWarrantyClaim':
      return assess(command, state);
    case 'RefuseWarrantyRemedy':
      return refuseRemedy(command, state);
    case 'OverrideWarrantyDecision':
      return override(command, state);
    case 'FulfilWarrantyClaim':
      return fulfil(command, state);
    default:
      return assertNever(command, 'warranty claim command');
  }
}

export function foldWarrantyClaim(events: readonly WarrantyClaimEvent[]): WarrantyClaimState {
  return events.reduce(evolve, initialState());
}

export const warrantyClaimDecider = { decide, evolve, initialState } as const;
