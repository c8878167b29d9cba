import { eligibleActions, snapshotAt } from '@aftercare/analytics';
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

  it('reads every bad incident the store holds: failed deliveries, slow answers, bad resolutions, defects, rejected claims', () => {
    const t = foldRetentionTimeline('c1', [
      { type: 'DeliveryScheduled', data: { ...c, occurredAt: at(1), purchaseId: 'p1' } },
      { type: 'DeliveryScheduled', data: { ...c, occurredAt: at(4), purchaseId: 'p1' } },
      {
        type: 'DeliveryCompleted',
        data: { ...c, occurredAt: at(5), purchaseId: 'p1', onTime: true },
      },
      { type: 'ReturnRequested', data: { ...c, occurredAt: at(6), reason: 'faulty' } },
      { type: 'ReturnRequested', data: { ...c, occurredAt: at(6), reason: 'changed my mind' } },
      {
        type: 'ComplaintFiled',
        data: {
          ...c,
          occurredAt: at(7),
          complaintId: 'k1',
          category: 'billing',
          remedySought: 'apology',
        },
      },
      { type: 'ComplaintAcknowledged', data: { ...c, occurredAt: at(10), complaintId: 'k1' } },
      {
        type: 'ComplaintResolved',
        data: { ...c, occurredAt: at(11), complaintId: 'k1', remedyGiven: 'explanation' },
      },
      { type: 'WarrantyClaimFiled', data: { ...c, occurredAt: at(12), claimId: 'w1' } },
      {
        type: 'WarrantyClaimDecided',
        data: { ...c, occurredAt: at(12), claimId: 'w1', outcome: 'rejected' },
      },
      {
        type: 'WarrantyDecisionOverridden',
        data: { ...c, occurredAt: at(13), claimId: 'w1', outcome: 'rejected' },
      },
      { type: 'RepairCompleted', data: { ...c, occurredAt: at(14), paidBy: 'customer' } },
    ]);
    expect(t.incidents.map((i) => i.kind)).toEqual([
      'failed_delivery',
      'faulty_return',
      'complaint',
      'slow_acknowledgement',
      'bad_resolution',
      'defect',
      'warranty_rejection',
      'defect',
      'paid_repair',
    ]);
  });

  it('a follow-up call already due is not suggested again; a broken promise calls for one', () => {
    const purchase = {
      type: 'PurchaseRecorded',
      data: { ...c, occurredAt: at(1), price: 50, currency: 'EUR' },
    };
    const broken = { type: 'PromiseBroken', data: { ...c, occurredAt: at(5), promiseId: 'p1' } };
    const calls = (events: { type: string; data: object }[], day: number) =>
      eligibleActions(snapshotAt(foldRetentionTimeline('c1', events), Date.parse(at(day))))
        .map((e) => e.action)
        .filter((a) => a === 'recovery_call');
    expect(calls([purchase], 6)).toEqual([]);
    expect(calls([purchase, broken], 6)).toEqual(['recovery_call']);
    const task = {
      type: 'FollowUpTaskCreated',
      data: { ...c, occurredAt: at(5), taskId: 't1', kind: 'recovery_call' },
    };
    expect(calls([purchase, broken, task], 6)).toEqual([]);
    const done = {
      type: 'FollowUpTaskCompleted',
      data: { ...c, occurredAt: at(7), taskId: 't1', outcome: 'no_answer' },
    };
    // Not reached: once the task is done, the call is a candidate again.
    expect(calls([purchase, broken, task, done], 8)).toEqual(['recovery_call']);
  });
});
