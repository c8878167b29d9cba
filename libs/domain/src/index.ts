/**
 * @aftercare/domain: events, commands, deciders and the warranty policy engine. Pure: no Nest,
 * no store, no I/O, no clock. Time and ids come in with the command.
 */
export * from './domain-event';
export * from './domain-error';

// Event catalogue
export * from './customer.events';
export * from './warranty-claim.events';
export * from './warranty-policy.events';
export * from './follow-up-task.events';
export * from './playbook.events';
export * from './promise.events';
export * from './events';
export * from './upcasters';

// Deciders. Each file exports decide/evolve/initialState; here they are named per aggregate.
export type {
  AcknowledgeComplaint,
  CancelMaintenancePlan,
  CompleteDelivery,
  CompleteReturn,
  CompleteSetup,
  ComplaintState,
  ComplaintStatus,
  CustomerCommand,
  CustomerCommandType,
  CustomerState,
  DeliveryState,
  EraseCustomerPii,
  EscalateComplaint,
  FileComplaint,
  PurchaseState,
  RecordFeedback,
  RecordPurchase,
  RecordReferral,
  RecordRepair,
  RecordRetentionAction,
  RecordSetupFailure,
  RegisterCustomer,
  ReopenComplaint,
  RequestReturn,
  ResolveComplaint,
  ReturnState,
  ScheduleDelivery,
  SubscribeMaintenancePlan,
} from './customer.decider';
export {
  customerDecider,
  decide as decideCustomer,
  deliveryTiming,
  evolve as evolveCustomer,
  foldCustomer,
  initialState as initialCustomerState,
} from './customer.decider';

export type {
  AssessWarrantyClaim,
  RefuseWarrantyRemedy,
  FileWarrantyClaim,
  FulfilWarrantyClaim,
  OverrideWarrantyDecision,
  WarrantyClaimCommand,
  WarrantyClaimCommandType,
  WarrantyClaimState,
} from './warranty-claim.decider';
export {
  decide as decideWarrantyClaimCommand,
  evolve as evolveWarrantyClaim,
  foldWarrantyClaim,
  initialState as initialWarrantyClaimState,
  warrantyClaimDecider,
} from './warranty-claim.decider';

export type {
  PublishWarrantyPolicy,
  WarrantyPolicyCommand,
  WarrantyPolicyCommandType,
  WarrantyPolicyState,
} from './warranty-policy.decider';
export {
  decide as decideWarrantyPolicy,
  evolve as evolveWarrantyPolicy,
  foldWarrantyPolicy,
  initialState as initialWarrantyPolicyState,
  validateTerms as validateWarrantyPolicyTerms,
  warrantyPolicyDecider,
} from './warranty-policy.decider';

export type {
  CompleteFollowUpTask,
  CreateFollowUpTask,
  FollowUpTaskCommand,
  FollowUpTaskCommandType,
  FollowUpTaskState,
  FollowUpTaskStatus,
  MarkFollowUpTaskOverdue,
} from './follow-up-task.decider';
export { foldFollowUpTask, followUpTaskDecider, issueComplaintId } from './follow-up-task.decider';

export type {
  PlaybookCommand,
  PlaybookCommandType,
  PlaybookState,
  PublishPlaybook,
} from './playbook.decider';
export { foldPlaybook, playbookDecider, validatePlaybook } from './playbook.decider';
export type { CauseEvent } from './playbook.rules';
export {
  followUpTaskId,
  planFollowUps,
  playbooksInForce,
  playbookTriggerOf,
} from './playbook.rules';
export { DEFAULT_PLAYBOOKS } from './playbook.defaults';

export type {
  BreakOverduePromise,
  FulfilPromise,
  MakePromise,
  PromiseCommand,
  PromiseCommandType,
  PromiseState,
  PromiseStatus,
} from './promise.decider';
export { foldPromise, promiseDecider } from './promise.decider';

// Warranty engine, audit and integrity
export * from './jurisdictions';
export * from './law/consumer-law';
export * from './warranty-engine';
export * from './warranty-engine.facts';
export * from './warranty-engine.recompute';
export { decideWarrantyClaimV1 } from './warranty-engine.v1';
export { canonicalJson, sha256Hex } from './canonical-json';
export * from './hash-chain';
export { addDays, addMonths, addMonthsToMillis, daysBetween, toIso, toMillis } from './time';
export { entryOf } from './records';
