import type { AftercareEvent } from '@aftercare/domain';
import { churnIncidentsProjection, incidentAgesAt } from './churn-incidents.projection';
import { churnExperience } from './churn-experience';
import { customerProfileProjection } from './customer-profile.projection';
import { satisfactionProjection } from './satisfaction.projection';
import { given, recorded } from './spec-events';

const c = 'cust-inc';
const base = { customerId: c };
const at = (day: number): string => new Date(Date.UTC(2024, 0, 1 + day)).toISOString();

/** One customer's history with every kind of incident the store can hold, and good service. */
const history = [
  {
    type: 'DeliveryScheduled',
    data: {
      ...base,
      occurredAt: at(0),
      deliveryId: 'd1',
      purchaseId: 'p1',
      promisedFrom: at(1),
      promisedTo: at(2),
    },
  },
  // The courier never came: booked again.
  {
    type: 'DeliveryScheduled',
    data: {
      ...base,
      occurredAt: at(4),
      deliveryId: 'd2',
      purchaseId: 'p1',
      promisedFrom: at(5),
      promisedTo: at(6),
    },
  },
  {
    type: 'DeliveryCompleted',
    data: {
      ...base,
      occurredAt: at(8),
      deliveryId: 'd2',
      purchaseId: 'p1',
      deliveredAt: at(8),
      onTime: false,
      timing: 'late',
    },
  },
  {
    type: 'SetupFailed',
    data: { ...base, occurredAt: at(9), purchaseId: 'p1', reason: 'missing parts', attempt: 1 },
  },
  {
    type: 'ReturnRequested',
    data: { ...base, occurredAt: at(10), returnId: 'r1', purchaseId: 'p1', reason: 'faulty' },
  },
  {
    type: 'ReturnRequested',
    data: { ...base, occurredAt: at(10), returnId: 'r2', purchaseId: 'p1', reason: 'changed mind' },
  },
  {
    type: 'ComplaintFiled',
    data: {
      ...base,
      occurredAt: at(11),
      complaintId: 'k1',
      category: 'delivery',
      severity: 'medium',
      channel: 'email',
      remedySought: 'refund',
    },
  },
  // Acknowledged after 4 days (the rule: 2), escalated, resolved with another remedy, reopened.
  { type: 'ComplaintAcknowledged', data: { ...base, occurredAt: at(15), complaintId: 'k1' } },
  {
    type: 'ComplaintEscalated',
    data: { ...base, occurredAt: at(16), complaintId: 'k1', level: 1, reason: 'slow' },
  },
  {
    type: 'ComplaintResolved',
    data: {
      ...base,
      occurredAt: at(17),
      complaintId: 'k1',
      resolution: 'voucher',
      remedyGiven: 'voucher',
    },
  },
  {
    type: 'ComplaintReopened',
    data: { ...base, occurredAt: at(18), complaintId: 'k1', reason: 'not fixed' },
  },
  // A second complaint handled well: only the filing is an incident.
  {
    type: 'ComplaintFiled',
    data: {
      ...base,
      occurredAt: at(20),
      complaintId: 'k2',
      category: 'billing',
      severity: 'low',
      channel: 'phone',
      remedySought: 'apology',
    },
  },
  { type: 'ComplaintAcknowledged', data: { ...base, occurredAt: at(20), complaintId: 'k2' } },
  {
    type: 'ComplaintResolved',
    data: {
      ...base,
      occurredAt: at(21),
      complaintId: 'k2',
      resolution: 'sorry',
      remedyGiven: 'apology',
    },
  },
  // A paid repair outside any claim: a defect and a paid repair; a warranty repair is the claim's.
  {
    type: 'RepairCompleted',
    data: {
      ...base,
      occurredAt: at(30),
      repairId: 'x1',
      purchaseId: 'p1',
      serialNumber: 's1',
      paidBy: 'customer',
      cost: 90,
      currency: 'EUR',
      defectCode: 'E1',
    },
  },
  {
    type: 'RepairCompleted',
    data: {
      ...base,
      occurredAt: at(40),
      repairId: 'x2',
      purchaseId: 'p1',
      serialNumber: 's1',
      paidBy: 'warranty',
      cost: 0,
      currency: 'EUR',
      defectCode: 'E1',
      warrantyClaimId: 'w1',
    },
  },
  {
    type: 'WarrantyClaimFiled',
    data: { ...base, occurredAt: at(35), claimId: 'w1', purchaseId: 'p1', defect: { code: 'E1' } },
  },
  {
    type: 'WarrantyClaimDecided',
    data: { ...base, occurredAt: at(35), claimId: 'w1', outcome: 'rejected' },
  },
  // Re-decided on assessment, then overridden: still one rejection.
  {
    type: 'WarrantyClaimDecided',
    data: { ...base, occurredAt: at(36), claimId: 'w1', outcome: 'rejected' },
  },
  {
    type: 'WarrantyDecisionOverridden',
    data: { ...base, occurredAt: at(37), claimId: 'w1', outcome: 'approved' },
  },
] as unknown as AftercareEvent[];

describe('churn incidents', () => {
  it('logs every bad incident the store holds, once each, and nothing for good service', () => {
    const state = given(churnIncidentsProjection, c, history);
    expect(state.incidents.map((i) => `${i.kind}@${i.at.slice(5, 10)}`)).toEqual([
      'failed_delivery@01-05',
      'late_delivery@01-09',
      'failed_setup@01-10',
      'faulty_return@01-11',
      'complaint@01-12',
      'slow_acknowledgement@01-16',
      'escalation@01-17',
      'bad_resolution@01-18',
      'reopening@01-19',
      'complaint@01-21',
      'defect@01-31',
      'paid_repair@01-31',
      'defect@02-05',
      'warranty_rejection@02-05',
    ]);
  });

  it('reads broken promises and missed follow-ups from the follow-up events that name a customer', () => {
    let state = churnIncidentsProjection.initialState(c);
    for (const type of ['PromiseBroken', 'FollowUpTaskOverdue', 'PromiseKept']) {
      state = churnIncidentsProjection.evolve(state, {
        ...recorded(history[0]),
        type,
        data: { customerId: c, occurredAt: at(50) },
      });
    }
    expect(state.incidents.map((i) => i.kind)).toEqual(['broken_promise', 'missed_follow_up']);
  });

  it('gives churn risk the ages of the incidents known at the scoring time', () => {
    const state = given(churnIncidentsProjection, c, history);
    const ages = incidentAgesAt(state, at(20));
    expect(ages.complaint).toEqual([9, 0]);
    expect(ages.defect).toBeUndefined();
    const experience = churnExperience(
      given(customerProfileProjection, c, []),
      given(satisfactionProjection, c, []),
      at(20),
      state,
    );
    expect(experience.incidentAgesDays).toEqual(ages);
  });
});
