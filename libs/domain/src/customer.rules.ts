import type { DeliveryTiming } from './customer.events';
import type { ComplaintState, KnownCustomer, PurchaseState } from './customer.commands';
import { DomainError } from './domain-error';
import type { IsoDateTime } from './domain-event';
import { toMillis } from './time';
import { entryOf } from './records';

/** Checks and small helpers shared by the customer's decide functions. */
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

export function requirePurchase(state: KnownCustomer, purchaseId: string): PurchaseState {
  const p = entryOf(state.purchases, purchaseId);
  if (!p) {
    throw new DomainError(
      'purchase_not_found',
      `Customer ${state.customerId} has no purchase ${purchaseId}`,
      { purchaseId },
    );
  }
  return p;
}

export function requireComplaint(state: KnownCustomer, complaintId: string): ComplaintState {
  const c = entryOf(state.complaints, complaintId);
  if (!c) {
    throw new DomainError(
      'complaint_not_found',
      `Customer ${state.customerId} has no complaint ${complaintId}`,
      { complaintId },
    );
  }
  return c;
}

export function alreadyResolved(c: ComplaintState): DomainError {
  return new DomainError(
    'complaint_already_resolved',
    `Complaint ${c.complaintId} is resolved; reopen it first`,
    { complaintId: c.complaintId },
  );
}

export function requireAmount(value: number, field: string): void {
  if (!Number.isFinite(value) || value < 0) {
    throw new DomainError('invalid_amount', `${field} must be a number >= 0, got ${value}`, {
      field,
      value,
    });
  }
}

/**
 * `value` without its undefined properties, the others in their order: how event data with
 * optional fields is written, `withoutUndefined({ a, maybe: d.maybe, b })`. Conditional spreads
 * in the middle of a literal, or a literal starting with a spread, cost V8 a new hidden class per
 * object (microseconds each, on every decision); this copy costs a fraction of that.
 */
export function withoutUndefined<T extends object>(value: T): T {
  const out = {} as Record<string, unknown>;
  for (const key in value) {
    const field: unknown = value[key];
    if (field !== undefined) out[key] = field;
  }
  return out as T;
}
