import { foldRetentionTimeline } from './retention-timeline';

const at = (day: number) => new Date(Date.UTC(2024, 0, day)).toISOString();
const c = { customerId: 'c1' };

describe('retention timeline', () => {
  it('reads purchases, incidents, actions taken, completed follow-ups and broken promises', () => {
    const t = foldRetentionTimeline('c1', [
      {
        type: 'PurchaseRecorded',
        data: { ...c, occurredAt: at(1), price: 500, currency: 'EUR', serialNumber: 'S1' },
      },
      { type: 'SetupFailed', data: { ...c, occurredAt: at(3) } },
      {
        type: 'FollowUpTaskCreated',
        data: { ...c, occurredAt: at(3), taskId: 't1', kind: 'revisit' },
      },
      {
        type: 'FollowUpTaskCompleted',
        data: { ...c, occurredAt: at(4), taskId: 't1', outcome: 'reached' },
      },
      {
        type: 'FollowUpTaskCreated',
        data: { ...c, occurredAt: at(5), taskId: 't2', kind: 'courtesy_call' },
      },
      {
        type: 'FollowUpTaskCompleted',
        data: { ...c, occurredAt: at(6), taskId: 't2', outcome: 'reached' },
      },
      { type: 'FollowUpTaskOverdue', data: { ...c, occurredAt: at(7), taskId: 't3' } },
      { type: 'PromiseBroken', data: { ...c, occurredAt: at(8), promiseId: 'p1' } },
      {
        type: 'RetentionActionTaken',
        data: { ...c, occurredAt: at(9), action: 'goodwill_credit', cost: 30 },
      },
    ]);
    expect(t.currency).toBe('EUR');
    expect(t.purchases).toEqual([{ at: Date.parse(at(1)), price: 500, serialised: true }]);
    expect(t.incidents.map((i) => i.kind)).toEqual([
      'failed_setup',
      'missed_follow_up',
      'broken_promise',
    ]);
    // The revisit that reached the customer is a follow-up; the courtesy call is not.
    expect(t.actions).toEqual([
      { at: Date.parse(at(4)), action: 'recovery_call' },
      { at: Date.parse(at(9)), action: 'goodwill_credit' },
    ]);
  });
});
