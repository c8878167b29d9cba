import type { CustomerEvent } from './customer.events';
import { customerDecider, type RecordRetentionAction } from './customer.decider';
import { given as givenFor } from './testing/given-when-then';

const given = (events: CustomerEvent[] = []) => givenFor(customerDecider, events);
const at = (occurredAt: string) => ({ customerId: 'cust-1', occurredAt });

const registered: CustomerEvent = {
  type: 'CustomerRegistered',
  data: {
    ...at('2025-01-10T10:00:00.000Z'),
    pii: { name: 'Ada Lovelace', email: 'ada@example.org' },
    jurisdiction: 'EU',
    countryCode: 'DE',
    segment: 'consumer',
    signupChannel: 'online',
  },
};

const record = (over: Partial<RecordRetentionAction['data']> = {}): RecordRetentionAction => ({
  type: 'RecordRetentionAction',
  data: {
    ...at('2025-02-01T09:00:00.000Z'),
    actionId: 'a-1',
    action: 'recovery_call',
    cost: 8,
    currency: 'EUR',
    taskId: 'task-7',
    ...over,
  },
});

describe('customer decider: retention actions', () => {
  it('records an action taken, with its cost and the task it completed', () => {
    given([registered])
      .when(record())
      .then([
        {
          type: 'RetentionActionTaken',
          data: {
            ...at('2025-02-01T09:00:00.000Z'),
            actionId: 'a-1',
            action: 'recovery_call',
            cost: 8,
            currency: 'EUR',
            taskId: 'task-7',
          },
        },
      ]);
  });

  it('refuses an unknown action, a negative cost and an unregistered customer', () => {
    given([registered])
      .when(record({ action: 'free_lunch' as never }))
      .thenFails('unknown_retention_action');
    given([registered])
      .when(record({ cost: -1 }))
      .thenFails('invalid_amount');
    given([]).when(record()).thenFails('customer_not_found');
  });
});
