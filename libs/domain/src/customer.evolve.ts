import type { CustomerEvent } from './customer.events';
import { assertNever } from './domain-event';
import type {
  ComplaintState,
  CustomerState,
  KnownCustomer,
  PurchaseState,
} from './customer.commands';
import { entryOf } from './records';

/** How a fold writes one entry of a state's records (ids to values), see `evolve` and `evolveOwned`. */
type SetEntry = <V>(
  entries: Readonly<Record<string, V>>,
  key: string,
  value: NoInfer<V>,
) => Record<string, V>;

/**
 * A copy of `entries` with `key` set. The keys are ids, nearly every one new: an object literal
 * `{ ...entries, [key]: value }` makes V8 build a hidden class for each copy (microseconds per
 * event, most of a fold's time), while a null-prototype object stays a plain hash table.
 */
function withEntry<V>(
  entries: Readonly<Record<string, V>>,
  key: string,
  value: NoInfer<V>,
): Record<string, V> {
  const next = Object.create(null) as Record<string, V>;
  for (const k in entries) next[k] = entries[k];
  next[key] = value;
  return next;
}

/**
 * `entries` itself with `key` set, for a fold that owns its states: a record is copied once, into
 * a null-prototype object (an id such as `__proto__` is then an entry like any other), and
 * written in place after that.
 */
function setEntry<V>(
  entries: Readonly<Record<string, V>>,
  key: string,
  value: NoInfer<V>,
): Record<string, V> {
  if (Object.getPrototypeOf(entries) !== null) return withEntry(entries, key, value);
  (entries as Record<string, V>)[key] = value;
  return entries as Record<string, V>;
}

/** Folds one customer event into the state decisions read. */
export function evolve(state: CustomerState, event: CustomerEvent): CustomerState {
  return evolveWith(withEntry, state, event);
}

/**
 * `evolve` for a fold that owns `state` and every state before it (a writer's copy of a stream,
 * folded further with each append): the state's records (purchases, complaints, feedback ids, ...)
 * change in place instead of being copied for each event, so an event costs the same however
 * long the history. The state returned is equal to `evolve`'s; `state`'s records are not kept.
 */
export function evolveOwned(state: CustomerState, event: CustomerEvent): CustomerState {
  return evolveWith(setEntry, state, event);
}

function evolveWith(put: SetEntry, state: CustomerState, event: CustomerEvent): CustomerState {
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
    const current = entryOf(s.purchases, id);
    if (!current) return s;
    return { ...s, purchases: put(s.purchases, id, { ...current, ...change }) };
  };
  const complaint = (id: string, change: Partial<ComplaintState>): KnownCustomer => {
    const current = entryOf(s.complaints, id);
    if (!current) return s;
    return { ...s, complaints: put(s.complaints, id, { ...current, ...change }) };
  };
  const { type, data } = event;
  switch (type) {
    case 'PurchaseRecorded':
      return {
        ...s,
        purchases: put(s.purchases, data.purchaseId, {
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
        }),
      };
    case 'DeliveryScheduled': {
      const next = {
        ...s,
        deliveries: put(s.deliveries, data.deliveryId, {
          deliveryId: data.deliveryId,
          purchaseId: data.purchaseId,
          promisedFrom: data.promisedFrom,
          promisedTo: data.promisedTo,
          completedAt: null,
        }),
      };
      const p = entryOf(s.purchases, data.purchaseId);
      if (!p) return next;
      return {
        ...next,
        purchases: put(next.purchases, p.purchaseId, {
          ...p,
          pendingDeliveries: p.pendingDeliveries + 1,
        }),
      };
    }
    case 'DeliveryCompleted': {
      const d = entryOf(s.deliveries, data.deliveryId);
      const p = entryOf(s.purchases, data.purchaseId);
      return {
        ...s,
        deliveries: d
          ? put(s.deliveries, d.deliveryId, { ...d, completedAt: data.deliveredAt })
          : s.deliveries,
        // Other pending deliveries of the purchase are moot once it has arrived.
        purchases: p
          ? put(s.purchases, p.purchaseId, {
              ...p,
              deliveredAt: data.deliveredAt,
              pendingDeliveries: 0,
            })
          : s.purchases,
      };
    }
    case 'SetupCompleted':
      return purchase(data.purchaseId, { setupCompleted: true });
    case 'SetupFailed':
      return purchase(data.purchaseId, {
        setupFailures: (entryOf(s.purchases, data.purchaseId)?.setupFailures ?? 0) + 1,
      });
    case 'ComplaintFiled':
      return {
        ...s,
        complaints: put(s.complaints, data.complaintId, {
          complaintId: data.complaintId,
          status: 'filed',
          escalationLevel: 0,
          reopenCount: 0,
        }),
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
        reopenCount: (entryOf(s.complaints, data.complaintId)?.reopenCount ?? 0) + 1,
      });
    case 'RepairCompleted':
      return { ...s, repairIds: put(s.repairIds, data.repairId, true) };
    case 'ReturnRequested': {
      const next = purchase(data.purchaseId, { returnId: data.returnId });
      return {
        ...next,
        returns: put(next.returns, data.returnId, {
          returnId: data.returnId,
          purchaseId: data.purchaseId,
          status: 'requested',
        }),
      };
    }
    case 'ReturnCompleted': {
      const r = entryOf(s.returns, data.returnId);
      if (!r) return s;
      return { ...s, returns: put(s.returns, r.returnId, { ...r, status: 'completed' }) };
    }
    case 'FeedbackReceived':
      return { ...s, feedbackIds: put(s.feedbackIds, data.feedbackId, true) };
    case 'ReferralMade':
      return {
        ...s,
        referredCustomerIds: put(s.referredCustomerIds, data.referredCustomerId, true),
      };
    case 'MaintenancePlanSubscribed':
      return { ...s, plans: put(s.plans, data.planId, 'active') };
    case 'MaintenancePlanCancelled':
      return { ...s, plans: put(s.plans, data.planId, 'cancelled') };
    case 'RetentionActionTaken':
      return s;
    case 'CustomerPiiErased':
      return { ...s, status: 'erased' };
    default:
      return assertNever(type, 'customer event');
  }
}
