import type { CustomerEvent, DeliveryScheduled } from './customer.events';
import { customerDecider } from './customer.decider';
import type { CustomerCommand } from './customer.decider';
import { given as givenFor } from './testing/given-when-then';

const given = (events: CustomerEvent[] = []) => givenFor(customerDecider, events);

const C = 'cust-1';
const T0 = '2025-01-10T10:00:00.000Z';
const at = (iso: string) => ({ customerId: C, occurredAt: iso });

const registered: CustomerEvent = {
  type: 'CustomerRegistered',
  data: {
    ...at(T0),
    pii: { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000' },
    jurisdiction: 'EU',
    countryCode: 'DE',
    segment: 'consumer',
    signupChannel: 'online',
  },
};

const purchased: CustomerEvent = {
  type: 'PurchaseRecorded',
  data: {
    ...at('2025-01-11T10:00:00.000Z'),
    purchaseId: 'p-1',
    orderId: 'o-1',
    sku: 'WM-200',
    productCategory: 'washing_machine',
    serialNumber: 'SN-1',
    price: 600,
    currency: 'EUR',
    channel: 'online',
    warranty: { warrantyPolicyId: 'std', returnWindowDays: 14 },
  },
};

const scheduled: DeliveryScheduled = {
  type: 'DeliveryScheduled',
  data: {
    ...at('2025-01-11T11:00:00.000Z'),
    deliveryId: 'd-1',
    purchaseId: 'p-1',
    promisedFrom: '2025-01-15T08:00:00.000Z',
    promisedTo: '2025-01-15T12:00:00.000Z',
  },
};

const delivered: CustomerEvent = {
  type: 'DeliveryCompleted',
  data: {
    ...at('2025-01-15T10:00:00.000Z'),
    deliveryId: 'd-1',
    purchaseId: 'p-1',
    deliveredAt: '2025-01-15T10:00:00.000Z',
    onTime: true,
    timing: 'on_time',
  },
};

const complaintFiled: CustomerEvent = {
  type: 'ComplaintFiled',
  data: {
    ...at('2025-01-20T09:00:00.000Z'),
    complaintId: 'c-1',
    purchaseId: 'p-1',
    category: 'product_defect',
    severity: 'high',
    channel: 'phone',
    remedySought: 'repair',
  },
};
const acknowledged: CustomerEvent = {
  type: 'ComplaintAcknowledged',
  data: { ...at('2025-01-20T10:00:00.000Z'), complaintId: 'c-1', agentId: 'agent-7' },
};
const resolved: CustomerEvent = {
  type: 'ComplaintResolved',
  data: {
    ...at('2025-01-22T10:00:00.000Z'),
    complaintId: 'c-1',
    resolution: 'Technician replaced the pump',
    remedyGiven: 'repair',
  },
};

const erased: CustomerEvent = {
  type: 'CustomerPiiErased',
  data: { ...at('2025-03-01T00:00:00.000Z'), requestedBy: 'customer' },
};

const cmd = <T extends CustomerCommand['type']>(
  type: T,
  data: Omit<Extract<CustomerCommand, { type: T }>['data'], 'customerId'>,
) =>
  ({ type, data: { customerId: C, ...data } }) as unknown as Extract<CustomerCommand, { type: T }>;

describe('customer decider', () => {
  describe('RegisterCustomer', () => {
    const register = cmd('RegisterCustomer', {
      occurredAt: T0,
      pii: { name: 'Ada Lovelace', email: 'ada@example.org', phone: '+44 20 7946 0000' },
      jurisdiction: 'EU',
      countryCode: 'DE',
      segment: 'consumer',
      signupChannel: 'online',
    });

    it('registers a new customer with PII kept apart', () => {
      given([]).when(register).then([registered]);
    });

    it('refuses a second registration', () => {
      given([registered]).when(register).thenFails('customer_already_registered');
    });

    it('refuses to register an erased customer again', () => {
      given([registered, erased]).when(register).thenFails('customer_erased');
    });
  });

  describe('any command before registration', () => {
    it.each<CustomerCommand>([
      cmd('RecordFeedback', { occurredAt: T0, feedbackId: 'f-1', nps: 9 }),
      cmd('FileComplaint', {
        occurredAt: T0,
        complaintId: 'c-1',
        category: 'billing',
        severity: 'low',
        channel: 'email',
        remedySought: 'explanation',
      }),
      cmd('EraseCustomerPii', { occurredAt: T0, requestedBy: 'customer' }),
    ])('is customer_not_found: %j', (command) => {
      given([]).when(command).thenFails('customer_not_found');
    });
  });

  describe('RecordPurchase', () => {
    const record = cmd('RecordPurchase', {
      occurredAt: '2025-01-11T10:00:00.000Z',
      purchaseId: 'p-1',
      orderId: 'o-1',
      sku: 'WM-200',
      productCategory: 'washing_machine',
      serialNumber: 'SN-1',
      price: 600,
      currency: 'EUR',
      channel: 'online',
      warranty: { warrantyPolicyId: 'std', returnWindowDays: 14 },
    });

    it('records the purchase with its warranty terms', () => {
      given([registered]).when(record).then([purchased]);
    });

    it('records the supplier batch when the command carries one, and none when it does not', () => {
      const withBatch = { ...record, data: { ...record.data, supplierBatch: '2025H1-A' } };
      given([registered])
        .when(withBatch)
        .then([{ ...purchased, data: { ...purchased.data, supplierBatch: '2025H1-A' } }]);
      // Without one, the event has no supplierBatch key at all (deep equality checks that).
      given([registered]).when(record).then([purchased]);
    });

    it('folds a purchase stored before batches existed and decides on it as before', () => {
      // PurchaseRecorded v1 as stored by earlier releases: no supplierBatch key.
      const stored = JSON.parse(`{
        "customerId": "cust-1", "occurredAt": "2025-01-11T10:00:00.000Z", "purchaseId": "p-1",
        "orderId": "o-1", "sku": "WM-200", "productCategory": "washing_machine",
        "serialNumber": "SN-1", "price": 600, "currency": "EUR", "channel": "online",
        "warranty": { "warrantyPolicyId": "std", "returnWindowDays": 14 }
      }`) as Extract<CustomerEvent, { type: 'PurchaseRecorded' }>['data'];
      const old: CustomerEvent = { type: 'PurchaseRecorded', data: stored };
      given([registered, old]).when(record).thenFails('duplicate_purchase');
      given([registered, old])
        .when(
          cmd('ScheduleDelivery', {
            occurredAt: '2025-01-11T11:00:00.000Z',
            deliveryId: 'd-1',
            purchaseId: 'p-1',
            promisedFrom: '2025-01-15T08:00:00.000Z',
            promisedTo: '2025-01-15T12:00:00.000Z',
          }),
        )
        .then([scheduled]);
    });

    it('refuses the same purchase twice', () => {
      given([registered, purchased]).when(record).thenFails('duplicate_purchase');
    });

    it('refuses a negative price', () => {
      given([registered])
        .when({ ...record, data: { ...record.data, price: -1 } })
        .thenFails('invalid_amount');
    });

    it('refuses a malformed occurredAt', () => {
      given([registered])
        .when({ ...record, data: { ...record.data, occurredAt: '11/01/2025' } })
        .thenFails('invalid_timestamp');
    });
  });

  describe('ScheduleDelivery', () => {
    const schedule = cmd('ScheduleDelivery', {
      occurredAt: '2025-01-11T11:00:00.000Z',
      deliveryId: 'd-1',
      purchaseId: 'p-1',
      promisedFrom: '2025-01-15T08:00:00.000Z',
      promisedTo: '2025-01-15T12:00:00.000Z',
    });

    it('schedules a delivery with its promised window', () => {
      given([registered, purchased]).when(schedule).then([scheduled]);
    });

    it('refuses a delivery for a purchase never made', () => {
      given([registered]).when(schedule).thenFails('purchase_not_found');
    });

    it('refuses a window that ends before it starts', () => {
      given([registered, purchased])
        .when({ ...schedule, data: { ...schedule.data, promisedTo: '2025-01-14T00:00:00.000Z' } })
        .thenFails('invalid_delivery_window');
    });

    it('refuses the same delivery id twice', () => {
      given([registered, purchased, scheduled]).when(schedule).thenFails('duplicate_delivery');
    });

    it('refuses to schedule a purchase already delivered', () => {
      given([registered, purchased, scheduled, delivered])
        .when({ ...schedule, data: { ...schedule.data, deliveryId: 'd-2' } })
        .thenFails('purchase_already_delivered');
    });
  });

  describe('CompleteDelivery', () => {
    const complete = (occurredAt: string, deliveryId = 'd-1') =>
      cmd('CompleteDelivery', { occurredAt, deliveryId });

    it('completes inside the window: on time', () => {
      given([registered, purchased, scheduled])
        .when(complete('2025-01-15T10:00:00.000Z'))
        .then([delivered]);
    });

    it('completes after the window: late, computed from the promise', () => {
      given([registered, purchased, scheduled])
        .when(complete('2025-01-16T09:00:00.000Z'))
        .then([
          {
            type: 'DeliveryCompleted',
            data: {
              ...at('2025-01-16T09:00:00.000Z'),
              deliveryId: 'd-1',
              purchaseId: 'p-1',
              deliveredAt: '2025-01-16T09:00:00.000Z',
              onTime: false,
              timing: 'late',
            },
          },
        ]);
    });

    it('completes before the window: early, which keeps the promise', () => {
      const [event] = given([registered, purchased, scheduled])
        .when(complete('2025-01-14T09:00:00.000Z'))
        .events();
      expect(event).toMatchObject({ data: { onTime: true, timing: 'early' } });
    });

    it('refuses a delivery never scheduled', () => {
      given([registered, purchased]).when(complete(T0)).thenFails('delivery_not_found');
    });

    it('refuses to complete a delivery twice', () => {
      given([registered, purchased, scheduled, delivered])
        .when(complete('2025-01-15T11:00:00.000Z'))
        .thenFails('delivery_already_completed');
    });

    it('refuses a second delivery of a purchase already delivered', () => {
      const second: CustomerEvent = {
        type: 'DeliveryScheduled',
        data: { ...scheduled.data, deliveryId: 'd-2' },
      };
      given([registered, purchased, scheduled, second, delivered])
        .when(complete('2025-01-15T11:00:00.000Z', 'd-2'))
        .thenFails('purchase_already_delivered');
    });
  });

  describe('setup', () => {
    const complete = cmd('CompleteSetup', {
      occurredAt: '2025-01-16T09:00:00.000Z',
      purchaseId: 'p-1',
    });
    const fail = cmd('RecordSetupFailure', {
      occurredAt: '2025-01-16T09:00:00.000Z',
      purchaseId: 'p-1',
      reason: 'Water inlet incompatible',
    });
    const failed: CustomerEvent = {
      type: 'SetupFailed',
      data: {
        ...at('2025-01-16T09:00:00.000Z'),
        purchaseId: 'p-1',
        reason: 'Water inlet incompatible',
        attempt: 1,
      },
    };

    it('records first-visit success as attempt 1', () => {
      given([registered, purchased, scheduled, delivered])
        .when(complete)
        .then([
          {
            type: 'SetupCompleted',
            data: { ...at('2025-01-16T09:00:00.000Z'), purchaseId: 'p-1', attempt: 1 },
          },
        ]);
    });

    it('records a failed visit, and counts it in the next attempt', () => {
      given([registered, purchased, scheduled, delivered]).when(fail).then([failed]);
      const [event] = given([registered, purchased, scheduled, delivered, failed])
        .when(complete)
        .events();
      expect(event).toMatchObject({ type: 'SetupCompleted', data: { attempt: 2 } });
    });

    it('allows setup of a carry-out purchase with no delivery', () => {
      expect(given([registered, purchased]).when(complete).events()).toHaveLength(1);
    });

    it('refuses setup while a scheduled delivery has not arrived', () => {
      given([registered, purchased, scheduled]).when(complete).thenFails('purchase_not_delivered');
    });

    it('refuses setup of a purchase never made', () => {
      given([registered]).when(complete).thenFails('purchase_not_found');
      given([registered]).when(fail).thenFails('purchase_not_found');
    });

    it('refuses setup once completed', () => {
      const done: CustomerEvent = {
        type: 'SetupCompleted',
        data: { ...at('2025-01-16T09:00:00.000Z'), purchaseId: 'p-1', attempt: 1 },
      };
      given([registered, purchased, done]).when(complete).thenFails('setup_already_completed');
      given([registered, purchased, done]).when(fail).thenFails('setup_already_completed');
    });
  });

  describe('complaints', () => {
    const file = cmd('FileComplaint', {
      occurredAt: '2025-01-20T09:00:00.000Z',
      complaintId: 'c-1',
      purchaseId: 'p-1',
      category: 'product_defect',
      severity: 'high',
      channel: 'phone',
      remedySought: 'repair',
    });
    const acknowledge = cmd('AcknowledgeComplaint', {
      occurredAt: '2025-01-20T10:00:00.000Z',
      complaintId: 'c-1',
      agentId: 'agent-7',
    });
    const escalate = cmd('EscalateComplaint', {
      occurredAt: '2025-01-21T10:00:00.000Z',
      complaintId: 'c-1',
      reason: 'No technician available',
    });
    const resolve = cmd('ResolveComplaint', {
      occurredAt: '2025-01-22T10:00:00.000Z',
      complaintId: 'c-1',
      resolution: 'Technician replaced the pump',
      remedyGiven: 'repair',
    });
    const reopen = cmd('ReopenComplaint', {
      occurredAt: '2025-02-01T10:00:00.000Z',
      complaintId: 'c-1',
      reason: 'Leaks again',
    });
    const reopened: CustomerEvent = {
      type: 'ComplaintReopened',
      data: { ...at('2025-02-01T10:00:00.000Z'), complaintId: 'c-1', reason: 'Leaks again' },
    };
    const history = [registered, purchased, complaintFiled];

    it('files a complaint about a purchase', () => {
      given([registered, purchased]).when(file).then([complaintFiled]);
    });

    it('files a complaint about no purchase in particular', () => {
      const { purchaseId: _omit, ...general } = file.data;
      const [event] = given([registered])
        .when({ ...file, data: general })
        .events();
      expect(event.data).not.toHaveProperty('purchaseId');
    });

    it('refuses a complaint about a purchase never made', () => {
      given([registered]).when(file).thenFails('purchase_not_found');
    });

    it('refuses the same complaint id twice', () => {
      given(history).when(file).thenFails('duplicate_complaint');
    });

    it('acknowledges a filed complaint', () => {
      given(history).when(acknowledge).then([acknowledged]);
    });

    it('refuses to acknowledge twice', () => {
      given([...history, acknowledged])
        .when(acknowledge)
        .thenFails('complaint_already_acknowledged');
    });

    it('refuses to acknowledge a resolved complaint', () => {
      given([...history, acknowledged, resolved])
        .when(acknowledge)
        .thenFails('complaint_already_resolved');
    });

    it('refuses to act on an unknown complaint', () => {
      given([registered]).when(acknowledge).thenFails('complaint_not_found');
      given([registered]).when(escalate).thenFails('complaint_not_found');
      given([registered]).when(resolve).thenFails('complaint_not_found');
      given([registered]).when(reopen).thenFails('complaint_not_found');
    });

    it('resolves an acknowledged complaint', () => {
      given([...history, acknowledged])
        .when(resolve)
        .then([resolved]);
    });

    it('refuses to resolve a complaint not yet acknowledged', () => {
      given(history).when(resolve).thenFails('complaint_not_acknowledged');
    });

    it('refuses to resolve twice', () => {
      given([...history, acknowledged, resolved])
        .when(resolve)
        .thenFails('complaint_already_resolved');
    });

    it('escalates an open complaint, numbering the levels', () => {
      const first: CustomerEvent = {
        type: 'ComplaintEscalated',
        data: {
          ...at('2025-01-21T10:00:00.000Z'),
          complaintId: 'c-1',
          level: 1,
          reason: 'No technician available',
        },
      };
      given(history).when(escalate).then([first]);
      const [second] = given([...history, first])
        .when(escalate)
        .events();
      expect(second).toMatchObject({ data: { level: 2 } });
    });

    it('refuses to escalate a resolved complaint', () => {
      given([...history, acknowledged, resolved])
        .when(escalate)
        .thenFails('complaint_already_resolved');
    });

    it('reopens a resolved complaint', () => {
      given([...history, acknowledged, resolved])
        .when(reopen)
        .then([reopened]);
    });

    it('refuses to reopen a complaint that is still open', () => {
      given([...history, acknowledged])
        .when(reopen)
        .thenFails('complaint_not_resolved');
    });

    it('treats a reopened complaint as acknowledged: it can be resolved again directly', () => {
      const again = given([...history, acknowledged, resolved, reopened])
        .when(resolve)
        .events();
      expect(again).toHaveLength(1);
      given([...history, acknowledged, resolved, reopened])
        .when(acknowledge)
        .thenFails('complaint_already_acknowledged');
    });
  });

  describe('RecordRepair', () => {
    const repair = cmd('RecordRepair', {
      occurredAt: '2025-02-01T10:00:00.000Z',
      repairId: 'r-1',
      purchaseId: 'p-1',
      serialNumber: 'SN-1',
      paidBy: 'warranty',
      cost: 120,
      defectCode: 'PUMP-01',
      warrantyClaimId: 'w-1',
    });
    const repaired: CustomerEvent = {
      type: 'RepairCompleted',
      data: {
        ...at('2025-02-01T10:00:00.000Z'),
        repairId: 'r-1',
        purchaseId: 'p-1',
        serialNumber: 'SN-1',
        paidBy: 'warranty',
        cost: 120,
        currency: 'EUR',
        defectCode: 'PUMP-01',
        warrantyClaimId: 'w-1',
      },
    };

    it('records a repair in the purchase currency', () => {
      given([registered, purchased]).when(repair).then([repaired]);
    });

    it('refuses a repair of a purchase never made', () => {
      given([registered]).when(repair).thenFails('purchase_not_found');
    });

    it('refuses a repair of another serial', () => {
      given([registered, purchased])
        .when({ ...repair, data: { ...repair.data, serialNumber: 'SN-9' } })
        .thenFails('serial_number_mismatch');
    });

    it('refuses the same repair twice', () => {
      given([registered, purchased, repaired]).when(repair).thenFails('duplicate_repair');
    });

    it('refuses a negative cost', () => {
      given([registered, purchased])
        .when({ ...repair, data: { ...repair.data, cost: -5 } })
        .thenFails('invalid_amount');
    });
  });

  describe('returns', () => {
    const request = (occurredAt: string, returnId = 'ret-1') =>
      cmd('RequestReturn', { occurredAt, returnId, purchaseId: 'p-1', reason: 'Too noisy' });
    const requested: CustomerEvent = {
      type: 'ReturnRequested',
      data: {
        ...at('2025-01-20T10:00:00.000Z'),
        returnId: 'ret-1',
        purchaseId: 'p-1',
        reason: 'Too noisy',
      },
    };
    const complete = (outcome: 'refund' | 'exchange', refundAmount: number) =>
      cmd('CompleteReturn', {
        occurredAt: '2025-01-25T10:00:00.000Z',
        returnId: 'ret-1',
        outcome,
        refundAmount,
      });

    it('accepts a return within the window counted from delivery', () => {
      given([registered, purchased, scheduled, delivered])
        .when(request('2025-01-20T10:00:00.000Z'))
        .then([requested]);
      // Delivered 15 Jan 10:00 + 14 days = 29 Jan 10:00, inclusive.
      expect(
        given([registered, purchased, scheduled, delivered])
          .when(request('2025-01-29T10:00:00.000Z'))
          .events(),
      ).toHaveLength(1);
    });

    it('refuses a return after the window counted from delivery', () => {
      given([registered, purchased, scheduled, delivered])
        .when(request('2025-01-29T10:00:00.001Z'))
        .thenFails('return_window_closed');
    });

    it('counts the window from purchase while undelivered', () => {
      // Purchased 11 Jan 10:00 + 14 days = 25 Jan 10:00.
      given([registered, purchased])
        .when(request('2025-01-26T00:00:00.000Z'))
        .thenFails('return_window_closed');
      expect(
        given([registered, purchased]).when(request('2025-01-24T00:00:00.000Z')).events(),
      ).toHaveLength(1);
    });

    it('refuses a return for a purchase never made', () => {
      given([registered]).when(request('2025-01-20T10:00:00.000Z')).thenFails('purchase_not_found');
    });

    it('refuses a second return of the same purchase', () => {
      given([registered, purchased, requested])
        .when(request('2025-01-21T10:00:00.000Z', 'ret-2'))
        .thenFails('return_already_requested');
    });

    it('refuses the same return id twice', () => {
      given([registered, purchased, requested])
        .when(request('2025-01-21T10:00:00.000Z'))
        .thenFails('duplicate_return');
    });

    it('completes a requested return with a refund', () => {
      given([registered, purchased, requested])
        .when(complete('refund', 600))
        .then([
          {
            type: 'ReturnCompleted',
            data: {
              ...at('2025-01-25T10:00:00.000Z'),
              returnId: 'ret-1',
              purchaseId: 'p-1',
              outcome: 'refund',
              refundAmount: 600,
              currency: 'EUR',
            },
          },
        ]);
    });

    it('refuses to complete a return never requested', () => {
      given([registered, purchased]).when(complete('exchange', 0)).thenFails('return_not_found');
    });

    it('refuses to complete a return twice', () => {
      const done: CustomerEvent = {
        type: 'ReturnCompleted',
        data: {
          ...at('2025-01-25T10:00:00.000Z'),
          returnId: 'ret-1',
          purchaseId: 'p-1',
          outcome: 'exchange',
          refundAmount: 0,
          currency: 'EUR',
        },
      };
      given([registered, purchased, requested, done])
        .when(complete('exchange', 0))
        .thenFails('return_already_completed');
    });

    it('refuses a refund above the price paid', () => {
      given([registered, purchased, requested])
        .when(complete('refund', 601))
        .thenFails('refund_exceeds_price');
    });
  });

  describe('RecordFeedback', () => {
    const feedback = (scores: { nps?: number; csat?: number; ces?: number }) =>
      cmd('RecordFeedback', {
        occurredAt: '2025-02-01T10:00:00.000Z',
        feedbackId: 'f-1',
        ...scores,
        comment: 'Fine',
      });

    it('records all three scores', () => {
      given([registered])
        .when(feedback({ nps: 9, csat: 5, ces: 2 }))
        .then([
          {
            type: 'FeedbackReceived',
            data: {
              ...at('2025-02-01T10:00:00.000Z'),
              feedbackId: 'f-1',
              nps: 9,
              csat: 5,
              ces: 2,
              comment: 'Fine',
            },
          },
        ]);
    });

    it('records a single score and omits the others', () => {
      const [event] = given([registered])
        .when(feedback({ csat: 1 }))
        .events();
      expect(event.data).toEqual({
        ...at('2025-02-01T10:00:00.000Z'),
        feedbackId: 'f-1',
        csat: 1,
        comment: 'Fine',
      });
    });

    it('refuses feedback without any score', () => {
      given([registered]).when(feedback({})).thenFails('feedback_score_required');
    });

    it.each([
      { nps: 11 },
      { nps: -1 },
      { nps: 7.5 },
      { csat: 0 },
      { csat: 6 },
      { ces: 0 },
      { ces: 8 },
    ])('refuses a score outside its scale: %j', (scores) => {
      given([registered]).when(feedback(scores)).thenFails('score_out_of_range');
    });

    it('accepts the ends of each scale', () => {
      expect(
        given([registered])
          .when(feedback({ nps: 0, csat: 1, ces: 7 }))
          .events(),
      ).toHaveLength(1);
      expect(
        given([registered])
          .when(feedback({ nps: 10, csat: 5, ces: 1 }))
          .events(),
      ).toHaveLength(1);
    });

    it('refuses feedback about an unknown purchase or complaint', () => {
      const base = feedback({ nps: 5 });
      given([registered])
        .when({ ...base, data: { ...base.data, purchaseId: 'p-x' } })
        .thenFails('purchase_not_found');
      given([registered])
        .when({ ...base, data: { ...base.data, complaintId: 'c-x' } })
        .thenFails('complaint_not_found');
    });

    it('refuses the same feedback twice', () => {
      const [event] = given([registered])
        .when(feedback({ nps: 5 }))
        .events();
      given([registered, event])
        .when(feedback({ nps: 5 }))
        .thenFails('duplicate_feedback');
    });
  });

  describe('RecordReferral', () => {
    const refer = (referredCustomerId: string) =>
      cmd('RecordReferral', {
        occurredAt: '2025-02-01T10:00:00.000Z',
        referralId: 'ref-1',
        referredCustomerId,
      });
    const referred: CustomerEvent = {
      type: 'ReferralMade',
      data: {
        ...at('2025-02-01T10:00:00.000Z'),
        referralId: 'ref-1',
        referredCustomerId: 'cust-2',
      },
    };

    it('records a referral of another customer', () => {
      given([registered]).when(refer('cust-2')).then([referred]);
    });

    it('refuses a self-referral', () => {
      given([registered]).when(refer(C)).thenFails('self_referral');
    });

    it('refuses referring the same customer twice', () => {
      given([registered, referred]).when(refer('cust-2')).thenFails('duplicate_referral');
    });
  });

  describe('maintenance plans', () => {
    const subscribe = cmd('SubscribeMaintenancePlan', {
      occurredAt: '2025-02-01T10:00:00.000Z',
      planId: 'care-plus',
      purchaseId: 'p-1',
      price: 9.99,
      currency: 'EUR',
      billingPeriod: 'monthly',
    });
    const subscribed: CustomerEvent = {
      type: 'MaintenancePlanSubscribed',
      data: {
        ...at('2025-02-01T10:00:00.000Z'),
        planId: 'care-plus',
        purchaseId: 'p-1',
        price: 9.99,
        currency: 'EUR',
        billingPeriod: 'monthly',
      },
    };
    const cancel = cmd('CancelMaintenancePlan', {
      occurredAt: '2025-03-01T10:00:00.000Z',
      planId: 'care-plus',
      reason: 'Moving abroad',
    });
    const cancelled: CustomerEvent = {
      type: 'MaintenancePlanCancelled',
      data: { ...at('2025-03-01T10:00:00.000Z'), planId: 'care-plus', reason: 'Moving abroad' },
    };

    it('subscribes and cancels', () => {
      given([registered, purchased]).when(subscribe).then([subscribed]);
      given([registered, purchased, subscribed]).when(cancel).then([cancelled]);
    });

    it('refuses a second active subscription to the same plan, allows one after cancelling', () => {
      given([registered, purchased, subscribed])
        .when(subscribe)
        .thenFails('maintenance_plan_already_active');
      expect(
        given([registered, purchased, subscribed, cancelled]).when(subscribe).events(),
      ).toHaveLength(1);
    });

    it('refuses a plan for a purchase never made', () => {
      given([registered]).when(subscribe).thenFails('purchase_not_found');
    });

    it('refuses to cancel a plan never subscribed, or already cancelled', () => {
      given([registered]).when(cancel).thenFails('maintenance_plan_not_found');
      given([registered, purchased, subscribed, cancelled])
        .when(cancel)
        .thenFails('maintenance_plan_already_cancelled');
    });
  });

  describe('EraseCustomerPii', () => {
    const erase = cmd('EraseCustomerPii', {
      occurredAt: '2025-03-01T00:00:00.000Z',
      requestedBy: 'customer',
    });

    it('records the erasure', () => {
      given([registered, purchased]).when(erase).then([erased]);
    });

    it('is a no-op the second time (erasure requests are retried)', () => {
      given([registered, erased]).when(erase).then([]);
    });

    it('refuses everything else afterwards', () => {
      given([registered, purchased, erased])
        .when(
          cmd('RecordFeedback', {
            occurredAt: '2025-03-02T00:00:00.000Z',
            feedbackId: 'f-9',
            nps: 3,
          }),
        )
        .thenFails('customer_erased');
      given([registered, purchased, erased])
        .when(
          cmd('RequestReturn', {
            occurredAt: '2025-03-02T00:00:00.000Z',
            returnId: 'x',
            purchaseId: 'p-1',
            reason: 'x',
          }),
        )
        .thenFails('customer_erased');
    });
  });

  describe('ids named like members of Object.prototype', () => {
    // Ids are the client's: `constructor` names nothing until something is recorded under it.
    it.each(['constructor', 'toString', 'hasOwnProperty', 'valueOf'])(
      '%s names no complaint, delivery, return, plan or purchase before one is recorded',
      (id) => {
        const history = [registered, purchased];
        const occurredAt = '2025-01-20T10:00:00.000Z';
        given(history)
          .when(cmd('AcknowledgeComplaint', { occurredAt, complaintId: id }))
          .thenFails('complaint_not_found');
        given(history)
          .when(
            cmd('ResolveComplaint', {
              occurredAt,
              complaintId: id,
              resolution: 'x',
              remedyGiven: 'none',
            }),
          )
          .thenFails('complaint_not_found');
        given(history)
          .when(cmd('CompleteDelivery', { occurredAt, deliveryId: id }))
          .thenFails('delivery_not_found');
        given(history)
          .when(
            cmd('CompleteReturn', { occurredAt, returnId: id, outcome: 'refund', refundAmount: 1 }),
          )
          .thenFails('return_not_found');
        given(history)
          .when(cmd('CancelMaintenancePlan', { occurredAt, planId: id }))
          .thenFails('maintenance_plan_not_found');
        given(history)
          .when(cmd('RequestReturn', { occurredAt, returnId: 'r-1', purchaseId: id, reason: 'x' }))
          .thenFails('purchase_not_found');
        // ...and can be recorded like any other id.
        const filed = given(history)
          .when(
            cmd('FileComplaint', {
              occurredAt,
              complaintId: id,
              category: 'billing',
              severity: 'low',
              channel: 'email',
              remedySought: 'explanation',
            }),
          )
          .events();
        given([...history, ...filed])
          .when(cmd('AcknowledgeComplaint', { occurredAt, complaintId: id }))
          .events();
      },
    );
  });

  describe('the owned fold (evolveOwned)', () => {
    const feedback = (feedbackId: string): CustomerEvent => ({
      type: 'FeedbackReceived',
      data: { ...at('2025-02-01T10:00:00.000Z'), feedbackId, nps: 9 },
    });
    const journey: CustomerEvent[] = [
      registered,
      purchased,
      scheduled,
      delivered,
      complaintFiled,
      acknowledged,
      resolved,
      feedback('f-1'),
      feedback('__proto__'),
      feedback('constructor'),
      feedback('f-2'),
      erased,
    ];

    it('reaches the state evolve reaches, after every event, ids named like prototype members included', () => {
      let copied = customerDecider.initialState();
      let owned = customerDecider.initialState();
      for (const event of journey) {
        copied = customerDecider.evolve(copied, event);
        owned = customerDecider.evolveOwned(owned, event);
        expect(owned).toEqual(copied);
        expect(JSON.stringify(owned)).toBe(JSON.stringify(copied));
      }
      const ids = owned.status === 'unregistered' ? {} : owned.feedbackIds;
      expect(Object.keys(ids)).toEqual(['f-1', '__proto__', 'constructor', 'f-2']);
      expect(Object.getPrototypeOf(ids)).toBeNull();
    });

    it('writes a record in place after its first write instead of copying it per event', () => {
      const history = [registered, purchased, feedback('f-1')];
      const state = history.reduce(customerDecider.evolveOwned, customerDecider.initialState());
      const next = customerDecider.evolveOwned(state, feedback('f-2'));
      if (state.status === 'unregistered' || next.status === 'unregistered') throw new Error();
      expect(next.feedbackIds).toBe(state.feedbackIds);
      // evolve, the decider's meaning, never changes the state it is given.
      const copied = customerDecider.evolve(next, feedback('f-3'));
      if (copied.status === 'unregistered') throw new Error();
      expect(copied.feedbackIds).not.toBe(next.feedbackIds);
      expect(Object.keys(next.feedbackIds)).toEqual(['f-1', 'f-2']);
    });
  });

  it('decides deterministically from the same history', () => {
    const command = cmd('CompleteDelivery', {
      occurredAt: '2025-01-15T10:00:00.000Z',
      deliveryId: 'd-1',
    });
    const a = customerDecider.decide(
      command,
      [registered, purchased, scheduled].reduce(
        customerDecider.evolve,
        customerDecider.initialState(),
      ),
    );
    const b = customerDecider.decide(
      command,
      [registered, purchased, scheduled].reduce(
        customerDecider.evolve,
        customerDecider.initialState(),
      ),
    );
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
  });
});
