import type { CustomerEvent } from './customer.events';
import { CUSTOMER_EVENT_TYPES } from './customer.events';
import type { WarrantyClaimEvent } from './warranty-claim.events';
import { WARRANTY_CLAIM_EVENT_TYPES } from './warranty-claim.events';
import type { WarrantyPolicyEvent } from './warranty-policy.events';
import { WARRANTY_POLICY_EVENT_TYPES } from './warranty-policy.events';
import type { FollowUpTaskEvent } from './follow-up-task.events';
import { FOLLOW_UP_TASK_EVENT_TYPES } from './follow-up-task.events';
import type { PlaybookEvent } from './playbook.events';
import { PLAYBOOK_EVENT_TYPES } from './playbook.events';
import type { PromiseEvent } from './promise.events';
import { PROMISE_EVENT_TYPES } from './promise.events';

/** Every event Aftercare records. */
export type AftercareEvent =
  | CustomerEvent
  | WarrantyClaimEvent
  | WarrantyPolicyEvent
  | FollowUpTaskEvent
  | PlaybookEvent
  | PromiseEvent;
export type AftercareEventType = AftercareEvent['type'];

/** Data of one event type, e.g. `EventData<'PurchaseRecorded'>`. */
export type EventData<T extends AftercareEventType> = Extract<AftercareEvent, { type: T }>['data'];

export const AFTERCARE_EVENT_TYPES: readonly AftercareEventType[] = [
  ...CUSTOMER_EVENT_TYPES,
  ...WARRANTY_CLAIM_EVENT_TYPES,
  ...WARRANTY_POLICY_EVENT_TYPES,
  ...FOLLOW_UP_TASK_EVENT_TYPES,
  ...PLAYBOOK_EVENT_TYPES,
  ...PROMISE_EVENT_TYPES,
];

/**
 * The schema version written with new events (metadata.schemaVersion). A breaking change bumps
 * it and adds an upcaster from the old shape in upcasters.ts. Being a Record over the union, this
 * fails to compile when an event type is added without a version.
 */
export const EVENT_SCHEMA_VERSIONS: Readonly<Record<AftercareEventType, number>> = {
  CustomerRegistered: 1,
  PurchaseRecorded: 1,
  DeliveryScheduled: 1,
  DeliveryCompleted: 1,
  SetupCompleted: 1,
  SetupFailed: 1,
  ComplaintFiled: 1,
  ComplaintAcknowledged: 1,
  ComplaintEscalated: 1,
  ComplaintResolved: 1,
  ComplaintReopened: 1,
  RepairCompleted: 1,
  ReturnRequested: 1,
  ReturnCompleted: 1,
  FeedbackReceived: 2,
  ReferralMade: 1,
  MaintenancePlanSubscribed: 1,
  MaintenancePlanCancelled: 1,
  RetentionActionTaken: 1,
  CustomerPiiErased: 1,
  // v2: noticedAt, symptom and suspectedCause; the claimant's cause is no longer the defect's.
  WarrantyClaimFiled: 2,
  WarrantyClaimDecided: 1,
  WarrantyClaimAssessed: 1,
  WarrantyRemedyRefused: 1,
  WarrantyDecisionOverridden: 1,
  WarrantyClaimFulfilled: 1,
  WarrantyPolicyPublished: 1,
  FollowUpTaskCreated: 1,
  FollowUpTaskCompleted: 1,
  FollowUpTaskOverdue: 1,
  FollowUpTaskEscalated: 1,
  PlaybookPublished: 1,
  PromiseMade: 1,
  PromiseKept: 1,
  PromiseBroken: 1,
};

/** Alias: the version new events of each type are written with. */
export const CURRENT_SCHEMA_VERSION = EVENT_SCHEMA_VERSIONS;

export function isAftercareEventType(type: string): type is AftercareEventType {
  return Object.prototype.hasOwnProperty.call(EVENT_SCHEMA_VERSIONS, type);
}

export function schemaVersionOf(type: AftercareEventType): number {
  return EVENT_SCHEMA_VERSIONS[type];
}
