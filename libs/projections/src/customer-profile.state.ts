import type {
  CustomerSegment,
  RepairPayer,
  ReturnOutcome,
  SalesChannel,
  WarrantyOutcome,
} from '@aftercare/domain';
import { addTo, dayOf } from './event-data';
import { idRecord } from './ownership';

/** The customer profile's state, and values derived from it (pure). */

export interface ProductHolding {
  purchaseId: string;
  orderId: string;
  sku: string;
  productCategory: string;
  serialNumber: string | null;
  /**
   * The supplier's batch (lot), where recorded; null for purchases recorded without one, and
   * absent from profiles stored before batches existed (read it with `?? null`).
   */
  supplierBatch?: string | null;
  price: number;
  currency: string;
  channel: SalesChannel;
  purchasedAt: string;
  deliveredAt: string | null;
  warrantyPolicyId: string;
  returnWindowDays: number;
  /** Set when a return completed: refund (the product went back) or exchange. */
  returned: ReturnOutcome | null;
}

/** One calendar day's purchases: same-day orders merge, as the RFM summary needs. */
export interface PurchaseDay {
  day: string;
  count: number;
  amountByCurrency: Record<string, number>;
}

export interface ProfileComplaint {
  complaintId: string;
  purchaseId: string | null;
  category: string;
  severity: string;
  filedAt: string;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  open: boolean;
}

export interface ProfileClaim {
  claimId: string;
  purchaseId: string | null;
  serialNumber: string | null;
  filedAt: string | null;
  /** In effect, after any override; 'pending' until decided. */
  outcome: WarrantyOutcome | 'pending';
  overridden: boolean;
  /** Covered amount in effect (0 unless approved). */
  coveredAmount: number;
  currency: string | null;
  fulfilledAt: string | null;
  fulfilledAmount: number | null;
}

export interface ProfileRepair {
  repairId: string;
  purchaseId: string;
  serialNumber: string;
  paidBy: RepairPayer;
  cost: number;
  currency: string;
  defectCode: string;
  at: string;
  warrantyClaimId: string | null;
}

export interface ProfileReturn {
  returnId: string;
  purchaseId: string;
  requestedAt: string | null;
  completedAt: string | null;
  outcome: ReturnOutcome | null;
  refundAmount: number;
  currency: string | null;
}

export interface MaintenancePlanHolding {
  planId: string;
  purchaseId: string | null;
  price: number;
  currency: string;
  billingPeriod: string;
  subscribedAt: string;
  cancelledAt: string | null;
}

export interface CustomerProfileState {
  customerId: string;
  registeredAt: string | null;
  /** Name and email while not erased; null otherwise. */
  contact: { name: string; email: string } | null;
  piiErased: boolean;
  piiErasedAt: string | null;
  jurisdiction: string | null;
  countryCode: string | null;
  segment: CustomerSegment | null;
  signupChannel: SalesChannel | null;
  lastInteraction: { type: string; at: string } | null;
  purchaseCount: number;
  revenueByCurrency: Record<string, number>;
  firstPurchaseAt: string | null;
  lastPurchaseAt: string | null;
  /** In the order they were recorded (one per purchase: the per-day view is `purchaseDays`). */
  products: ProductHolding[];
  complaints: Record<string, ProfileComplaint>;
  claims: Record<string, ProfileClaim>;
  repairs: ProfileRepair[];
  returns: Record<string, ProfileReturn>;
  maintenancePlans: Record<string, MaintenancePlanHolding>;
  referrals: number;
  eventCount: number;
}

export function initialCustomerProfile(customerId: string): CustomerProfileState {
  return {
    customerId,
    registeredAt: null,
    contact: null,
    piiErased: false,
    piiErasedAt: null,
    jurisdiction: null,
    countryCode: null,
    segment: null,
    signupChannel: null,
    lastInteraction: null,
    purchaseCount: 0,
    revenueByCurrency: {},
    firstPurchaseAt: null,
    lastPurchaseAt: null,
    products: [],
    complaints: idRecord(),
    claims: idRecord(),
    repairs: [],
    returns: idRecord(),
    maintenancePlans: idRecord(),
    referrals: 0,
    eventCount: 0,
  };
}

// ---------------------------------------------------------------------------------------------
// Derived values (pure, from state).
// ---------------------------------------------------------------------------------------------

/** The currency the customer spends most in: the one CLV and net value are stated in. */
export function mainCurrency(state: CustomerProfileState): string | null {
  let best: string | null = null;
  for (const [currency, amount] of Object.entries(state.revenueByCurrency)) {
    if (best === null || amount > state.revenueByCurrency[best]) best = currency;
  }
  return best;
}

export function openComplaints(state: CustomerProfileState): ProfileComplaint[] {
  return Object.values(state.complaints).filter((c) => c.open);
}

/**
 * Purchases merged by calendar day (UTC), sorted by day: derived from the products, not stored
 * (each purchase is a product, with its time, price and currency). Amounts add up in the order
 * the purchases were recorded.
 */
export function purchaseDays(state: CustomerProfileState): PurchaseDay[] {
  const byDay = new Map<string, PurchaseDay>();
  for (const product of state.products) {
    const day = dayOf(product.purchasedAt);
    let entry = byDay.get(day);
    if (!entry) byDay.set(day, (entry = { day, count: 0, amountByCurrency: {} }));
    entry.count++;
    addTo(entry.amountByCurrency, product.currency, product.price);
  }
  return [...byDay.values()].sort((a, b) => (a.day < b.day ? -1 : a.day > b.day ? 1 : 0));
}

/** Purchases as the RFM summary's transactions (one per day, in one currency). */
export function purchaseTransactions(
  state: CustomerProfileState,
  currency: string | null = mainCurrency(state),
): { customerId: string; date: string; amount: number }[] {
  return purchaseDays(state).map((d) => ({
    customerId: state.customerId,
    date: d.day,
    amount: currency ? (d.amountByCurrency[currency] ?? 0) : 0,
  }));
}
