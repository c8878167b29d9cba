import type { CustomerEvent } from './customer.events';
import { initialState, type CustomerCommand, type CustomerState } from './customer.commands';
import { decideComplaints } from './customer.decide-complaints';
import { decidePurchases, register } from './customer.decide-purchases';
import { decideRelationship } from './customer.decide-relationship';
import { decideReturnsAndRepairs } from './customer.decide-returns';
import { decideRetentionAction } from './customer.decide-actions';
import { evolve, evolveOwned } from './customer.evolve';
import { DomainError } from './domain-error';
import { assertNever } from './domain-event';
import { toMillis } from './time';

export * from './customer.commands';
export { evolve, evolveOwned } from './customer.evolve';
export { deliveryTiming } from './customer.rules';

/**
 * The customer decider: one customer's after-sales life (stream `customer-<customerId>`).
 *
 * Choices where the business could go either way:
 * - A reopened complaint counts as acknowledged: the customer was acknowledged once, so it can be
 *   escalated or resolved straight away; acknowledging it again is complaint_already_acknowledged.
 * - Erasing PII twice is a no-op (decide returns []): erasure requests are retried and must be
 *   idempotent. Every other command on an erased customer is customer_erased.
 * - Setup needs no delivery (carry-out purchases have none), but while a scheduled delivery is
 *   still pending, setup is purchase_not_delivered.
 * - The return window runs from delivery if delivered, else from purchase, and includes its last
 *   instant: requested at start + returnWindowDays * 24h is still in time.
 */
export function decide(command: CustomerCommand, state: CustomerState): CustomerEvent[] {
  if (command.type === 'RegisterCustomer') return register(command, state);
  if (state.status === 'unregistered') {
    throw new DomainError(
      'customer_not_found',
      `Customer ${command.data.customerId} is not registered`,
      { customerId: command.data.customerId },
    );
  }
  if (state.status === 'erased') {
    // Erasure is idempotent; nothing else happens to an erased customer.
    if (command.type === 'EraseCustomerPii') return [];
    throw new DomainError(
      'customer_erased',
      `Customer ${state.customerId}'s personal data was erased; no further activity is recorded`,
      { customerId: state.customerId },
    );
  }
  toMillis(command.data.occurredAt);

  switch (command.type) {
    case 'RecordPurchase':
    case 'ScheduleDelivery':
    case 'CompleteDelivery':
    case 'CompleteSetup':
    case 'RecordSetupFailure':
      return decidePurchases(command, state);
    case 'FileComplaint':
    case 'AcknowledgeComplaint':
    case 'EscalateComplaint':
    case 'ResolveComplaint':
    case 'ReopenComplaint':
      return decideComplaints(command, state);
    case 'RecordRepair':
    case 'RequestReturn':
    case 'CompleteReturn':
      return decideReturnsAndRepairs(command, state);
    case 'RecordFeedback':
    case 'RecordReferral':
    case 'SubscribeMaintenancePlan':
    case 'CancelMaintenancePlan':
    case 'EraseCustomerPii':
      return decideRelationship(command, state);
    case 'RecordRetentionAction':
      return decideRetentionAction(command, state);
    default:
      return assertNever(command, 'customer command');
  }
}

/** Folds a customer stream into state. */
export function foldCustomer(events: readonly CustomerEvent[]): CustomerState {
  return events.reduce(evolve, initialState());
}

export const customerDecider = { decide, evolve, evolveOwned, initialState } as const;
