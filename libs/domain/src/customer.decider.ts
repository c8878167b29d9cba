import type {
  BillingPeriod,
  ComplaintCategory,
  ComplaintRemedy,
  ComplaintSeverity,
  ContactChannel,
  CustomerEvent,
  CustomerPii,
  CustomerSegment,
  DeliveryTiming,
  JurisdictionCode,
  PurchaseWarrantyTerms,
  RepairPayer,
  ReturnOutcome,
  SalesChannel,
} from './customer.events';
import { FEEDBACK_SCALES } from './customer.events';
import { DomainError } from './domain-error';
import type { Amount, CurrencyCode, DomainCommand, IsoDateTime } from './domain-event';
import { assertNever } from './domain-event';
import { addDays, toMillis } from './time';

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

type CustomerCommandData = { customerId: string; occurredAt: IsoDateTime };

export type RegisterCustomer = DomainCommand<
  'RegisterCustomer',
  CustomerCommandData & {
    pii: CustomerPii;
    jurisdiction: JurisdictionCode;
    countryCode: string;
    segment: CustomerSegment;
    signupChannel: SalesChannel;
  }
>;

export type RecordPurchase = DomainCommand<
  'RecordPurchase',
  CustomerCommandData & {
    purchaseId: string;
    orderId: string;
    sku: string;
    productCategory: string;
    serialNumber?: string;
    price: Amount;
    currency: CurrencyCode;
    channel: SalesChannel;
    warranty: PurchaseWarrantyTerms;
  }
>;

export type ScheduleDelivery = DomainCommand<
  'ScheduleDelivery',
  CustomerCommandData & {
    deliveryId: string;
    purchaseId: string;
    promisedFrom: IsoDateTime;
    promisedTo: IsoDateTime;
  }
>;

/** occurredAt is the delivery time. */
export type CompleteDelivery = DomainCommand<
  'CompleteDelivery',
  CustomerCommandData & { deliveryId: string }
>;

export type CompleteSetup = DomainCommand<
  'CompleteSetup',
  CustomerCommandData & { purchaseId: string }
>;

export type RecordSetupFailure = DomainCommand<
  'RecordSetupFailure',
  CustomerCommandData & { purchaseId: string; reason: string }
>;

export type FileComplaint = DomainCommand<
  'FileComplaint',
  CustomerCommandData & {
    complaintId: string;
    purchaseId?: string;
    category: ComplaintCategory;
    severity: ComplaintSeverity;
    channel: ContactChannel;
    remedySought: ComplaintRemedy;
    description?: string;
  }
>;

export type AcknowledgeComplaint = DomainCommand<
  'AcknowledgeComplaint',
  CustomerCommandData & { complaintId: string; agentId?: string }
>;

export type EscalateComplaint = DomainCommand<
  'EscalateComplaint',
  CustomerCommandData & { complaintId: string; reason: string }
>;

export type ResolveComplaint = DomainCommand<
  'ResolveComplaint',
  CustomerCommandData & { complaintId: string; resolution: string; remedyGiven: ComplaintRemedy }
>;

export type ReopenComplaint = DomainCommand<
  'ReopenComplaint',
  CustomerCommandData & { complaintId: string; reason: string }
>;

export type RecordRepair = DomainCommand<
  'RecordRepair',
  CustomerCommandData & {
    repairId: string;
    purchaseId: string;
    serialNumber: string;
    paidBy: RepairPayer;
    cost: Amount;
    defectCode: string;
    warrantyClaimId?: string;
  }
>;

export type RequestReturn = DomainCommand<
  'RequestReturn',
  CustomerCommandData & { returnId: string; purchaseId: string; reason: string }
>;

export type CompleteReturn = DomainCommand<
  'CompleteReturn',
  CustomerCommandData & { returnId: string; outcome: ReturnOutcome; refundAmount: Amount }
>;

export type RecordFeedback = DomainCommand<
  'RecordFeedback',
  CustomerCommandData & {
    feedbackId: string;
    nps?: number;
    csat?: number;
    ces?: number;
    comment?: string;
    purchaseId?: string;
    complaintId?: string;
    channel?: ContactChannel;
  }
>;

export type RecordReferral = DomainCommand<
  'RecordReferral',
  CustomerCommandData & { referralId: string; referredCustomerId: string; channel?: ContactChannel }
>;

export type SubscribeMaintenancePlan = DomainCommand<
  'SubscribeMaintenancePlan',
  CustomerCommandData & {
    planId: string;
    purchaseId?: string;
    price: Amount;
    currency: CurrencyCode;
    billingPeriod: BillingPeriod;
  }
>;

export type CancelMaintenancePlan = DomainCommand<
  'CancelMaintenancePlan',
  CustomerCommandData & { planId: string; reason?: string }
>;

export type EraseCustomerPii = DomainCommand<
  'EraseCustomerPii',
  CustomerCommandData & { requestedBy: 'customer' | 'operator'; reason?: string }
>;

export type CustomerCommand =
  | RegisterCustomer
  | RecordPurchase
  | ScheduleDelivery
  | CompleteDelivery
  | CompleteSetup
  | RecordSetupFailure
  | FileComplaint
  | AcknowledgeComplaint
  | EscalateComplaint
  | ResolveComplaint
  | ReopenComplaint
  | RecordRepair
  | RequestReturn
  | CompleteReturn
  | RecordFeedback
  | RecordReferral
  | SubscribeMaintenancePlan
  | CancelMaintenancePlan
  | EraseCustomerPii;

export type CustomerCommandType = CustomerCommand['type'];

// ---------------------------------------------------------------------------------------------
// State: only what decisions need. Plain records so a state can be logged or snapshotted as JSON.
// ---------------------------------------------------------------------------------------------

export type PurchaseState = {
  purchaseId: string;
  sku: string;
  productCategory: string;
  serialNumber?: string;
  price: Amount;
  currency: CurrencyCode;
  purchasedAt: IsoDateTime;
  deliveredAt: IsoDateTime | null;
  warranty: PurchaseWarrantyTerms;
  pendingDeliveries: number;
  setupFailures: number;
  setupCompleted: boolean;
  returnId: string | null;
};

export type DeliveryState = {
  deliveryId: string;
  purchaseId: string;
  promisedFrom: IsoDateTime;
  promisedTo: IsoDateTime;
  completedAt: IsoDateTime | null;
};

export type ComplaintStatus = 'filed' | 'acknowledged' | 'resolved';

export type ComplaintState = {
  complaintId: string;
  status: ComplaintStatus;
  escalationLevel: number;
  reopenCount: number;
};

export type ReturnState = {
  returnId: string;
  purchaseId: string;
  status: 'requested' | 'completed';
};

export type CustomerState =
  | { status: 'unregistered' }
  | {
      status: 'active' | 'erased';
      customerId: string;
      jurisdiction: JurisdictionCode;
      purchases: Record<string, PurchaseState>;
      deliveries: Record<string, DeliveryState>;
      complaints: Record<string, ComplaintState>;
      returns: Record<string, ReturnState>;
      repairIds: Record<string, true>;
      feedbackIds: Record<string, true>;
      referredCustomerIds: Record<string, true>;
      plans: Record<string, 'active' | 'cancelled'>;
    };

type KnownCustomer = Exclude<CustomerState, { status: 'unregistered' }>;

export function initialState(): CustomerState {
  return { status: 'unregistered' };
}

export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  if (event.type === 'CustomerRegistered') {
    return {
      status: 'active',
      customerId: event.data.customerId,
      jurisdiction: event.data.jurisdiction,
      purchases: {},
      deliveries: {},
      complaints: {},
      returns: {},
      repairIds: {},
      feedbackIds: {},
      referredCustomerIds: {},
      plans: {},
    };
  }
  if (state.status === 'unregistered') return state;
  const s = state;
  const purchase = (id: string, change: Partial<PurchaseState>): KnownCustomer => {
    const current = s.purchases[id];
    if (!current) return s;
    return { ...s, purchases: { ...s.purchases, [id]: { ...current, ...change } } };
  };
  const complaint = (id: string, change: Partial<ComplaintState>): KnownCustomer => {
    const current = s.complaints[id];
    if (!current) return s;
    return { ...s, complaints: { ...s.complaints, [id]: { ...current, ...change } } };
  };
  const { type, data } = event;
  switch (type) {
    case 'PurchaseRecorded':
      return {
        ...s,
        purchases: {
          ...s.purchases,
          [data.purchaseId]: {
            purchaseId: data.purchaseId,
            sku: data.sku,
            productCategory: data.productCategory,
            serialNumber: data.serialNumber,
            price: data.price,
            currency: data.currency,
            purchasedAt: data.occurredAt,
            deliveredAt: null,
            warranty: data.warranty,
            pendingDeliveries: 0,
            setupFailures: 0,
            setupCompleted: false,
            returnId: null,
          },
        },
      };
    case 'DeliveryScheduled': {
      const next = {
        ...s,
        deliveries: {
          ...s.deliveries,
          [data.deliveryId]: {
            deliveryId: data.deliveryId,
            purchaseId: data.purchaseId,
            promisedFrom: data.promisedFrom,
            promisedTo: data.promisedTo,
            completedAt: null,
          },
        },
      };
      const p = s.purchases[data.purchaseId];
      if (!p) return next;
      return {
        ...next,
        purchases: {
          ...next.purchases,
          [p.purchaseId]: { ...p, pendingDeliveries: p.pendingDeliveries + 1 },
        },
      };
    }
    case 'DeliveryCompleted': {
      const d = s.deliveries[data.deliveryId];
      const p = s.purchases[data.purchaseId];
      return {
        ...s,
        deliveries: d
          ? { ...s.deliveries, [d.deliveryId]: { ...d, completedAt: data.deliveredAt } }
          : s.deliveries,
        // Other pending deliveries of the purchase are moot once it has arrived.
        purchases: p
          ? {
              ...s.purchases,
              [p.purchaseId]: { ...p, deliveredAt: data.deliveredAt, pendingDeliveries: 0 },
            }
          : s.purchases,
      };
    }
    case 'SetupCompleted':
      return purchase(data.purchaseId, { setupCompleted: true });
    case 'SetupFailed':
      return purchase(data.purchaseId, {
        setupFailures: (s.purchases[data.purchaseId]?.setupFailures ?? 0) + 1,
      });
    case 'ComplaintFiled':
      return {
        ...s,
        complaints: {
          ...s.complaints,
          [data.complaintId]: {
            complaintId: data.complaintId,
            status: 'filed',
            escalationLevel: 0,
            reopenCount: 0,
          },
        },
      };
    case 'ComplaintAcknowledged':
      return complaint(data.complaintId, { status: 'acknowledged' });
    case 'ComplaintEscalated':
      return complaint(data.complaintId, { escalationLevel: data.level });
    case 'ComplaintResolved':
      return complaint(data.complaintId, { status: 'resolved' });
    case 'ComplaintReopened':
      return complaint(data.complaintId, {
        status: 'acknowledged',
        reopenCount: (s.complaints[data.complaintId]?.reopenCount ?? 0) + 1,
      });
    case 'RepairCompleted':
      return { ...s, repairIds: { ...s.repairIds, [data.repairId]: true } };
    case 'ReturnRequested': {
      const next = purchase(data.purchaseId, { returnId: data.returnId });
      return {
        ...next,
        returns: {
          ...next.returns,
          [data.returnId]: {
            returnId: data.returnId,
            purchaseId: data.purchaseId,
            status: 'requested',
          },
        },
      };
    }
    case 'ReturnCompleted': {
      const r = s.returns[data.returnId];
      if (!r) return s;
      return { ...s, returns: { ...s.returns, [r.returnId]: { ...r, status: 'completed' } } };
    }
    case 'FeedbackReceived':
      return { ...s, feedbackIds: { ...s.feedbackIds, [data.feedbackId]: true } };
    case 'ReferralMade':
      return {
        ...s,
        referredCustomerIds: { ...s.referredCustomerIds, [data.referredCustomerId]: true },
      };
    case 'MaintenancePlanSubscribed':
      return { ...s, plans: { ...s.plans, [data.planId]: 'active' } };
    case 'MaintenancePlanCancelled':
      return { ...s, plans: { ...s.plans, [data.planId]: 'cancelled' } };
    case 'CustomerPiiErased':
      return { ...s, status: 'erased' };
    default:
      return assertNever(type, 'customer event');
  }
}

// ---------------------------------------------------------------------------------------------
// decide
// ---------------------------------------------------------------------------------------------

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
  const { customerId, occurredAt } = command.data;
  toMillis(occurredAt);
  const base = { customerId, occurredAt };

  switch (command.type) {
    case 'RecordPurchase': {
      const d = command.data;
      if (state.purchases[d.purchaseId]) {
        throw new DomainError(
          'duplicate_purchase',
          `Purchase ${d.purchaseId} is already recorded`,
          {
            purchaseId: d.purchaseId,
          },
        );
      }
      requireAmount(d.price, 'price');
      requireAmount(d.warranty.returnWindowDays, 'warranty.returnWindowDays');
      return [
        {
          type: 'PurchaseRecorded',
          data: {
            ...base,
            purchaseId: d.purchaseId,
            orderId: d.orderId,
            sku: d.sku,
            productCategory: d.productCategory,
            ...(d.serialNumber !== undefined ? { serialNumber: d.serialNumber } : {}),
            price: d.price,
            currency: d.currency,
            channel: d.channel,
            warranty: {
              warrantyPolicyId: d.warranty.warrantyPolicyId,
              returnWindowDays: d.warranty.returnWindowDays,
            },
          },
        },
      ];
    }

    case 'ScheduleDelivery': {
      const d = command.data;
      const p = requirePurchase(state, d.purchaseId);
      if (state.deliveries[d.deliveryId]) {
        throw new DomainError('duplicate_delivery', `Delivery ${d.deliveryId} already exists`, {
          deliveryId: d.deliveryId,
        });
      }
      if (p.deliveredAt !== null) {
        throw new DomainError(
          'purchase_already_delivered',
          `Purchase ${p.purchaseId} was already delivered`,
          { purchaseId: p.purchaseId },
        );
      }
      if (toMillis(d.promisedTo, 'promisedTo') < toMillis(d.promisedFrom, 'promisedFrom')) {
        throw new DomainError(
          'invalid_delivery_window',
          'The promised window ends before it starts',
          { promisedFrom: d.promisedFrom, promisedTo: d.promisedTo },
        );
      }
      return [
        {
          type: 'DeliveryScheduled',
          data: {
            ...base,
            deliveryId: d.deliveryId,
            purchaseId: d.purchaseId,
            promisedFrom: d.promisedFrom,
            promisedTo: d.promisedTo,
          },
        },
      ];
    }

    case 'CompleteDelivery': {
      const delivery = state.deliveries[command.data.deliveryId];
      if (!delivery) {
        throw new DomainError(
          'delivery_not_found',
          `Delivery ${command.data.deliveryId} was never scheduled`,
          { deliveryId: command.data.deliveryId },
        );
      }
      if (delivery.completedAt !== null) {
        throw new DomainError(
          'delivery_already_completed',
          `Delivery ${delivery.deliveryId} was already completed`,
          { deliveryId: delivery.deliveryId },
        );
      }
      if (state.purchases[delivery.purchaseId]?.deliveredAt) {
        throw new DomainError(
          'purchase_already_delivered',
          `Purchase ${delivery.purchaseId} was already delivered by another delivery`,
          { purchaseId: delivery.purchaseId },
        );
      }
      const timing = deliveryTiming(occurredAt, delivery.promisedFrom, delivery.promisedTo);
      return [
        {
          type: 'DeliveryCompleted',
          data: {
            ...base,
            deliveryId: delivery.deliveryId,
            purchaseId: delivery.purchaseId,
            deliveredAt: occurredAt,
            onTime: timing !== 'late',
            timing,
          },
        },
      ];
    }

    case 'CompleteSetup':
    case 'RecordSetupFailure': {
      const p = requirePurchase(state, command.data.purchaseId);
      if (p.setupCompleted) {
        throw new DomainError(
          'setup_already_completed',
          `Setup of purchase ${p.purchaseId} is already completed`,
          { purchaseId: p.purchaseId },
        );
      }
      if (p.deliveredAt === null && p.pendingDeliveries > 0) {
        throw new DomainError(
          'purchase_not_delivered',
          `Purchase ${p.purchaseId} has a delivery scheduled that has not arrived`,
          { purchaseId: p.purchaseId },
        );
      }
      const attempt = p.setupFailures + 1;
      if (command.type === 'CompleteSetup') {
        return [{ type: 'SetupCompleted', data: { ...base, purchaseId: p.purchaseId, attempt } }];
      }
      return [
        {
          type: 'SetupFailed',
          data: { ...base, purchaseId: p.purchaseId, reason: command.data.reason, attempt },
        },
      ];
    }

    case 'FileComplaint': {
      const d = command.data;
      if (state.complaints[d.complaintId]) {
        throw new DomainError('duplicate_complaint', `Complaint ${d.complaintId} already exists`, {
          complaintId: d.complaintId,
        });
      }
      if (d.purchaseId !== undefined) requirePurchase(state, d.purchaseId);
      return [
        {
          type: 'ComplaintFiled',
          data: {
            ...base,
            complaintId: d.complaintId,
            ...(d.purchaseId !== undefined ? { purchaseId: d.purchaseId } : {}),
            category: d.category,
            severity: d.severity,
            channel: d.channel,
            remedySought: d.remedySought,
            ...(d.description !== undefined ? { description: d.description } : {}),
          },
        },
      ];
    }

    case 'AcknowledgeComplaint': {
      const c = requireComplaint(state, command.data.complaintId);
      if (c.status === 'resolved') throw alreadyResolved(c);
      if (c.status === 'acknowledged') {
        throw new DomainError(
          'complaint_already_acknowledged',
          `Complaint ${c.complaintId} is already acknowledged`,
          { complaintId: c.complaintId },
        );
      }
      const { agentId } = command.data;
      return [
        {
          type: 'ComplaintAcknowledged',
          data: {
            ...base,
            complaintId: c.complaintId,
            ...(agentId !== undefined ? { agentId } : {}),
          },
        },
      ];
    }

    case 'EscalateComplaint': {
      const c = requireComplaint(state, command.data.complaintId);
      if (c.status === 'resolved') throw alreadyResolved(c);
      return [
        {
          type: 'ComplaintEscalated',
          data: {
            ...base,
            complaintId: c.complaintId,
            level: c.escalationLevel + 1,
            reason: command.data.reason,
          },
        },
      ];
    }

    case 'ResolveComplaint': {
      const c = requireComplaint(state, command.data.complaintId);
      if (c.status === 'resolved') throw alreadyResolved(c);
      if (c.status === 'filed') {
        throw new DomainError(
          'complaint_not_acknowledged',
          `Complaint ${c.complaintId} must be acknowledged before it is resolved`,
          { complaintId: c.complaintId },
        );
      }
      return [
        {
          type: 'ComplaintResolved',
          data: {
            ...base,
            complaintId: c.complaintId,
            resolution: command.data.resolution,
            remedyGiven: command.data.remedyGiven,
          },
        },
      ];
    }

    case 'ReopenComplaint': {
      const c = requireComplaint(state, command.data.complaintId);
      if (c.status !== 'resolved') {
        throw new DomainError(
          'complaint_not_resolved',
          `Complaint ${c.complaintId} is still open; only a resolved complaint can be reopened`,
          { complaintId: c.complaintId },
        );
      }
      return [
        {
          type: 'ComplaintReopened',
          data: { ...base, complaintId: c.complaintId, reason: command.data.reason },
        },
      ];
    }

    case 'RecordRepair': {
      const d = command.data;
      const p = requirePurchase(state, d.purchaseId);
      if (state.repairIds[d.repairId]) {
        throw new DomainError('duplicate_repair', `Repair ${d.repairId} is already recorded`, {
          repairId: d.repairId,
        });
      }
      if (p.serialNumber !== undefined && p.serialNumber !== d.serialNumber) {
        throw new DomainError(
          'serial_number_mismatch',
          `Serial ${d.serialNumber} is not the serial of purchase ${p.purchaseId}`,
          { purchaseId: p.purchaseId, serialNumber: d.serialNumber },
        );
      }
      requireAmount(d.cost, 'cost');
      return [
        {
          type: 'RepairCompleted',
          data: {
            ...base,
            repairId: d.repairId,
            purchaseId: p.purchaseId,
            serialNumber: d.serialNumber,
            paidBy: d.paidBy,
            cost: d.cost,
            currency: p.currency,
            defectCode: d.defectCode,
            ...(d.warrantyClaimId !== undefined ? { warrantyClaimId: d.warrantyClaimId } : {}),
          },
        },
      ];
    }

    case 'RequestReturn': {
      const d = command.data;
      const p = requirePurchase(state, d.purchaseId);
      if (state.returns[d.returnId]) {
        throw new DomainError('duplicate_return', `Return ${d.returnId} already exists`, {
          returnId: d.returnId,
        });
      }
      if (p.returnId !== null) {
        throw new DomainError(
          'return_already_requested',
          `Purchase ${p.purchaseId} already has return ${p.returnId}`,
          { purchaseId: p.purchaseId, returnId: p.returnId },
        );
      }
      const windowStart = p.deliveredAt ?? p.purchasedAt;
      const windowEnd = addDays(windowStart, p.warranty.returnWindowDays);
      if (toMillis(occurredAt) > toMillis(windowEnd)) {
        throw new DomainError(
          'return_window_closed',
          `The ${p.warranty.returnWindowDays}-day return window of purchase ${p.purchaseId} closed at ${windowEnd}`,
          { purchaseId: p.purchaseId, windowStart, windowEnd },
        );
      }
      return [
        {
          type: 'ReturnRequested',
          data: { ...base, returnId: d.returnId, purchaseId: p.purchaseId, reason: d.reason },
        },
      ];
    }

    case 'CompleteReturn': {
      const d = command.data;
      const r = state.returns[d.returnId];
      if (!r) {
        throw new DomainError('return_not_found', `Return ${d.returnId} was never requested`, {
          returnId: d.returnId,
        });
      }
      if (r.status === 'completed') {
        throw new DomainError(
          'return_already_completed',
          `Return ${r.returnId} is already completed`,
          { returnId: r.returnId },
        );
      }
      const p = requirePurchase(state, r.purchaseId);
      requireAmount(d.refundAmount, 'refundAmount');
      if (d.refundAmount > p.price) {
        throw new DomainError(
          'refund_exceeds_price',
          `A refund of ${d.refundAmount} exceeds the price paid (${p.price})`,
          { refundAmount: d.refundAmount, price: p.price },
        );
      }
      return [
        {
          type: 'ReturnCompleted',
          data: {
            ...base,
            returnId: r.returnId,
            purchaseId: r.purchaseId,
            outcome: d.outcome,
            refundAmount: d.refundAmount,
            currency: p.currency,
          },
        },
      ];
    }

    case 'RecordFeedback': {
      const d = command.data;
      if (state.feedbackIds[d.feedbackId]) {
        throw new DomainError(
          'duplicate_feedback',
          `Feedback ${d.feedbackId} is already recorded`,
          {
            feedbackId: d.feedbackId,
          },
        );
      }
      if (d.nps === undefined && d.csat === undefined && d.ces === undefined) {
        throw new DomainError(
          'feedback_score_required',
          'Feedback needs at least one score: nps, csat or ces',
        );
      }
      for (const scale of ['nps', 'csat', 'ces'] as const) {
        const score = d[scale];
        const { min, max } = FEEDBACK_SCALES[scale];
        if (score !== undefined && (!Number.isInteger(score) || score < min || score > max)) {
          throw new DomainError(
            'score_out_of_range',
            `${scale} must be a whole number from ${min} to ${max}, got ${score}`,
            { field: scale, value: score, min, max },
          );
        }
      }
      if (d.purchaseId !== undefined) requirePurchase(state, d.purchaseId);
      if (d.complaintId !== undefined) requireComplaint(state, d.complaintId);
      const optional = {
        nps: d.nps,
        csat: d.csat,
        ces: d.ces,
        comment: d.comment,
        purchaseId: d.purchaseId,
        complaintId: d.complaintId,
        channel: d.channel,
      };
      return [
        {
          type: 'FeedbackReceived',
          data: { ...base, feedbackId: d.feedbackId, ...withoutUndefined(optional) },
        },
      ];
    }

    case 'RecordReferral': {
      const d = command.data;
      if (d.referredCustomerId === customerId) {
        throw new DomainError('self_referral', 'A customer cannot refer themselves', {
          customerId,
        });
      }
      if (state.referredCustomerIds[d.referredCustomerId]) {
        throw new DomainError(
          'duplicate_referral',
          `Customer ${d.referredCustomerId} was already referred by ${customerId}`,
          { referredCustomerId: d.referredCustomerId },
        );
      }
      return [
        {
          type: 'ReferralMade',
          data: {
            ...base,
            referralId: d.referralId,
            referredCustomerId: d.referredCustomerId,
            ...(d.channel !== undefined ? { channel: d.channel } : {}),
          },
        },
      ];
    }

    case 'SubscribeMaintenancePlan': {
      const d = command.data;
      if (state.plans[d.planId] === 'active') {
        throw new DomainError(
          'maintenance_plan_already_active',
          `Maintenance plan ${d.planId} is already active`,
          { planId: d.planId },
        );
      }
      if (d.purchaseId !== undefined) requirePurchase(state, d.purchaseId);
      requireAmount(d.price, 'price');
      return [
        {
          type: 'MaintenancePlanSubscribed',
          data: {
            ...base,
            planId: d.planId,
            ...(d.purchaseId !== undefined ? { purchaseId: d.purchaseId } : {}),
            price: d.price,
            currency: d.currency,
            billingPeriod: d.billingPeriod,
          },
        },
      ];
    }

    case 'CancelMaintenancePlan': {
      const d = command.data;
      const plan = state.plans[d.planId];
      if (plan === undefined) {
        throw new DomainError(
          'maintenance_plan_not_found',
          `Customer has no maintenance plan ${d.planId}`,
          { planId: d.planId },
        );
      }
      if (plan === 'cancelled') {
        throw new DomainError(
          'maintenance_plan_already_cancelled',
          `Maintenance plan ${d.planId} is already cancelled`,
          { planId: d.planId },
        );
      }
      return [
        {
          type: 'MaintenancePlanCancelled',
          data: {
            ...base,
            planId: d.planId,
            ...(d.reason !== undefined ? { reason: d.reason } : {}),
          },
        },
      ];
    }

    case 'EraseCustomerPii':
      return [
        {
          type: 'CustomerPiiErased',
          data: {
            ...base,
            requestedBy: command.data.requestedBy,
            ...(command.data.reason !== undefined ? { reason: command.data.reason } : {}),
          },
        },
      ];

    default:
      return assertNever(command, 'customer command');
  }
}

function register(command: RegisterCustomer, state: CustomerState): CustomerEvent[] {
  if (state.status === 'erased') {
    throw new DomainError('customer_erased', `Customer ${state.customerId} was erased`, {
      customerId: state.customerId,
    });
  }
  if (state.status === 'active') {
    throw new DomainError(
      'customer_already_registered',
      `Customer ${state.customerId} is already registered`,
      { customerId: state.customerId },
    );
  }
  const d = command.data;
  toMillis(d.occurredAt);
  return [
    {
      type: 'CustomerRegistered',
      data: {
        customerId: d.customerId,
        occurredAt: d.occurredAt,
        pii: d.pii,
        jurisdiction: d.jurisdiction,
        countryCode: d.countryCode,
        segment: d.segment,
        signupChannel: d.signupChannel,
      },
    },
  ];
}

export function deliveryTiming(
  deliveredAt: IsoDateTime,
  promisedFrom: IsoDateTime,
  promisedTo: IsoDateTime,
): DeliveryTiming {
  const at = toMillis(deliveredAt);
  if (at > toMillis(promisedTo)) return 'late';
  if (at < toMillis(promisedFrom)) return 'early';
  return 'on_time';
}

function requirePurchase(state: KnownCustomer, purchaseId: string): PurchaseState {
  const p = state.purchases[purchaseId];
  if (!p) {
    throw new DomainError(
      'purchase_not_found',
      `Customer ${state.customerId} has no purchase ${purchaseId}`,
      { purchaseId },
    );
  }
  return p;
}

function requireComplaint(state: KnownCustomer, complaintId: string): ComplaintState {
  const c = state.complaints[complaintId];
  if (!c) {
    throw new DomainError(
      'complaint_not_found',
      `Customer ${state.customerId} has no complaint ${complaintId}`,
      { complaintId },
    );
  }
  return c;
}

function alreadyResolved(c: ComplaintState): DomainError {
  return new DomainError(
    'complaint_already_resolved',
    `Complaint ${c.complaintId} is resolved; reopen it first`,
    { complaintId: c.complaintId },
  );
}

function requireAmount(value: number, field: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new DomainError('invalid_amount', `${field} must be a number >= 0, got ${value}`, {
      field,
      value,
    });
  }
}

function withoutUndefined<T extends Record<string, unknown>>(value: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(value) as (keyof T)[]) {
    if (value[key] !== undefined) out[key] = value[key];
  }
  return out;
}

/** Folds a customer stream into state. */
export function foldCustomer(events: readonly CustomerEvent[]): CustomerState {
  return events.reduce(evolve, initialState());
}

export const customerDecider = { decide, evolve, initialState } as const;
