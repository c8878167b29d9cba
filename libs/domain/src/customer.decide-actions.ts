import type { KnownCustomer, RecordRetentionAction } from './customer.commands';
import type { CustomerEvent } from './customer.events';
import { RETENTION_ACTIONS } from './customer.events';
import { DomainError } from './domain-error';
import { requireAmount } from './customer.rules';

/**
 * Records an action taken to keep the customer. Any registered, unerased customer can be acted
 * on; the action must be one of RETENTION_ACTIONS and its cost a number >= 0.
 */
export function decideRetentionAction(
  command: RecordRetentionAction,
  state: KnownCustomer,
): CustomerEvent[] {
  const d = command.data;
  if (!(RETENTION_ACTIONS as readonly string[]).includes(d.action)) {
    throw new DomainError(
      'unknown_retention_action',
      `Unknown action ${String(d.action)}; one of ${RETENTION_ACTIONS.join(', ')}`,
      { action: d.action },
    );
  }
  requireAmount(d.cost, 'cost');
  return [
    {
      type: 'RetentionActionTaken',
      data: {
        customerId: state.customerId,
        occurredAt: d.occurredAt,
        actionId: d.actionId,
        action: d.action,
        cost: d.cost,
        currency: d.currency,
        ...(d.agentId !== undefined ? { agentId: d.agentId } : {}),
        ...(d.taskId !== undefined ? { taskId: d.taskId } : {}),
        ...(d.reason !== undefined ? { reason: d.reason } : {}),
      },
    },
  ];
}
