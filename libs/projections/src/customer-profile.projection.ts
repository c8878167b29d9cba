import {
  assertNever,
  CUSTOMER_STREAM_CATEGORY,
  entryOf,
  WARRANTY_CLAIM_STREAM_CATEGORY,
} from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import {
  initialCustomerProfile,
  mainCurrency,
  openComplaints,
  type CustomerProfileState,
  type ProductHolding,
  type ProfileClaim,
  type ProfileReturn,
} from './customer-profile.state';
import type { Projection } from './projection';
import { addTo, asAftercareEvent, customerIdOf, earliest, latest, ms } from './event-data';
import { copying, inPlace, type Ownership, withEntry } from './ownership';
import { storedCustomerProfile } from './customer-profile.stored';

export * from './customer-profile.state';

/**
 * Customer profile, keyed by customerId: what the customer bought, what they have open with us,
 * and what their after-sales care has cost. Folded from the customer stream and from the
 * warranty claim streams (whose events also carry customerId).
 *
 * Personal data: only name and email are kept, for an agent to recognise the customer; phone and
 * address never enter a read model. CustomerPiiErased clears them for good (a later event cannot
 * bring them back), and `piiErased` says so.
 *
 * Nothing here depends on "now": ages, recency and warranty status are computed at query time.
 * Events may arrive out of business-time order (late records), so "first"/"last" compare
 * occurredAt instead of trusting fold order.
 */

/**
 * Folds one event. Pure for the caller: the state passed in is never changed; only the objects on
 * the path an event touches are copied (the rest is shared with the previous state), so a fold
 * costs what the event changes, not the size of the customer's history.
 */
export function evolveCustomerProfile(
  current: CustomerProfileState,
  recorded: RecordedEvent,
): CustomerProfileState {
  return foldProfile(copying, current, recorded);
}

/** `evolveCustomerProfile` changing `current` in place (for a fold that owns it). */
export function evolveCustomerProfileInPlace(
  current: CustomerProfileState,
  recorded: RecordedEvent,
): CustomerProfileState {
  return foldProfile(inPlace, current, recorded);
}

function foldProfile(
  how: Ownership,
  current: CustomerProfileState,
  recorded: RecordedEvent,
): CustomerProfileState {
  const event = asAftercareEvent(recorded);
  if (!event) return current;
  if (event.type === 'WarrantyPolicyPublished') return current;
  const state = how.writable(current);
  state.eventCount++;
  const touch = (at: string): void => {
    if (!state.lastInteraction || ms(at) >= ms(state.lastInteraction.at)) {
      state.lastInteraction = { type: event.type, at };
    }
  };

  switch (event.type) {
    case 'CustomerRegistered': {
      const d = event.data;
      state.registeredAt = d.occurredAt;
      state.jurisdiction = d.jurisdiction;
      state.countryCode = d.countryCode;
      state.segment = d.segment;
      state.signupChannel = d.signupChannel;
      state.contact =
        d.pii && !state.piiErased ? { name: d.pii.name, email: d.pii.email } : state.contact;
      touch(d.occurredAt);
      break;
    }
    case 'PurchaseRecorded': {
      const d = event.data;
      if (productIndex(state, d.purchaseId) >= 0) break;
      state.purchaseCount++;
      state.revenueByCurrency = how.writable(state.revenueByCurrency);
      addTo(state.revenueByCurrency, d.currency, d.price);
      state.firstPurchaseAt = earliest(state.firstPurchaseAt, d.occurredAt);
      state.lastPurchaseAt = latest(state.lastPurchaseAt, d.occurredAt);
      state.products = how.append(state.products, {
        purchaseId: d.purchaseId,
        orderId: d.orderId,
        sku: d.sku,
        productCategory: d.productCategory,
        serialNumber: d.serialNumber ?? null,
        supplierBatch: d.supplierBatch ?? null,
        price: d.price,
        currency: d.currency,
        channel: d.channel,
        purchasedAt: d.occurredAt,
        deliveredAt: null,
        warrantyPolicyId: d.warranty.warrantyPolicyId,
        returnWindowDays: d.warranty.returnWindowDays,
        returned: null,
      });
      touch(d.occurredAt);
      break;
    }
    case 'DeliveryCompleted': {
      updateProduct(how, state, event.data.purchaseId, { deliveredAt: event.data.deliveredAt });
      touch(event.data.occurredAt);
      break;
    }
    case 'ComplaintFiled': {
      const d = event.data;
      state.complaints = withEntry(how, state.complaints, d.complaintId, {
        complaintId: d.complaintId,
        purchaseId: d.purchaseId ?? null,
        category: d.category,
        severity: d.severity,
        filedAt: d.occurredAt,
        acknowledgedAt: null,
        resolvedAt: null,
        open: true,
      });
      touch(d.occurredAt);
      break;
    }
    case 'ComplaintAcknowledged': {
      const c = entryOf(state.complaints, event.data.complaintId);
      if (c && c.acknowledgedAt === null) {
        state.complaints = changeEntry(how, state.complaints, c.complaintId, {
          acknowledgedAt: event.data.occurredAt,
        });
      }
      touch(event.data.occurredAt);
      break;
    }
    case 'ComplaintResolved': {
      const c = entryOf(state.complaints, event.data.complaintId);
      if (c) {
        state.complaints = changeEntry(how, state.complaints, c.complaintId, {
          open: false,
          resolvedAt: event.data.occurredAt,
        });
      }
      touch(event.data.occurredAt);
      break;
    }
    case 'ComplaintReopened': {
      const c = entryOf(state.complaints, event.data.complaintId);
      if (c) {
        state.complaints = changeEntry(how, state.complaints, c.complaintId, {
          open: true,
          resolvedAt: null,
          // A reopened complaint is back in progress and counts as acknowledged.
          acknowledgedAt: c.acknowledgedAt ?? event.data.occurredAt,
        });
      }
      touch(event.data.occurredAt);
      break;
    }
    case 'RepairCompleted': {
      const d = event.data;
      if (state.repairs.some((r) => r.repairId === d.repairId)) break;
      state.repairs = how.append(state.repairs, {
        repairId: d.repairId,
        purchaseId: d.purchaseId,
        serialNumber: d.serialNumber,
        paidBy: d.paidBy,
        cost: d.cost,
        currency: d.currency,
        defectCode: d.defectCode,
        at: d.occurredAt,
        warrantyClaimId: d.warrantyClaimId ?? null,
      });
      touch(d.occurredAt);
      break;
    }
    case 'ReturnRequested': {
      const d = event.data;
      state.returns = changeEntry(how, withReturn(how, state, d), d.returnId, {
        requestedAt: d.occurredAt,
      });
      touch(d.occurredAt);
      break;
    }
    case 'ReturnCompleted': {
      const d = event.data;
      state.returns = changeEntry(how, withReturn(how, state, d), d.returnId, {
        completedAt: d.occurredAt,
        outcome: d.outcome,
        refundAmount: d.refundAmount,
        currency: d.currency,
      });
      updateProduct(how, state, d.purchaseId, { returned: d.outcome });
      touch(d.occurredAt);
      break;
    }
    case 'MaintenancePlanSubscribed': {
      const d = event.data;
      state.maintenancePlans = withEntry(how, state.maintenancePlans, d.planId, {
        planId: d.planId,
        purchaseId: d.purchaseId ?? null,
        price: d.price,
        currency: d.currency,
        billingPeriod: d.billingPeriod,
        subscribedAt: d.occurredAt,
        cancelledAt: null,
      });
      touch(d.occurredAt);
      break;
    }
    case 'MaintenancePlanCancelled': {
      const plan = entryOf(state.maintenancePlans, event.data.planId);
      if (plan) {
        state.maintenancePlans = changeEntry(how, state.maintenancePlans, plan.planId, {
          cancelledAt: event.data.occurredAt,
        });
      }
      touch(event.data.occurredAt);
      break;
    }
    case 'ReferralMade':
      state.referrals++;
      touch(event.data.occurredAt);
      break;
    case 'CustomerPiiErased':
      state.piiErased = true;
      state.piiErasedAt = event.data.occurredAt;
      state.contact = null;
      break;
    case 'DeliveryScheduled':
    case 'SetupCompleted':
    case 'SetupFailed':
    case 'ComplaintEscalated':
    case 'FeedbackReceived':
      touch(event.data.occurredAt);
      break;
    case 'WarrantyClaimFiled': {
      const d = event.data;
      updateClaim(how, state, d.claimId, () => ({
        purchaseId: d.purchaseId,
        serialNumber: d.serialNumber,
        filedAt: d.occurredAt,
      }));
      touch(d.occurredAt);
      break;
    }
    case 'WarrantyClaimDecided': {
      const d = event.data;
      updateClaim(how, state, d.claimId, (c) => ({
        outcome: d.outcome,
        coveredAmount: d.coveredAmount,
        currency: d.currency,
        purchaseId: c.purchaseId ?? d.facts.purchase.purchaseId,
        serialNumber: c.serialNumber ?? d.facts.claim.serialNumber,
        filedAt: c.filedAt ?? d.facts.claim.filedAt,
      }));
      break;
    }
    case 'WarrantyClaimAssessed':
    case 'WarrantyRemedyRefused':
      // A re-decision follows as WarrantyClaimDecided; these change nothing on their own here.
      break;
    case 'WarrantyDecisionOverridden': {
      const d = event.data;
      updateClaim(how, state, d.claimId, () => ({
        outcome: d.outcome,
        coveredAmount: d.coveredAmount,
        overridden: true,
      }));
      break;
    }
    case 'RetentionActionTaken':
      touch(event.data.occurredAt);
      break;
    case 'WarrantyClaimFulfilled': {
      const d = event.data;
      updateClaim(how, state, d.claimId, (c) => ({
        fulfilledAt: d.occurredAt,
        fulfilledAmount: d.amount,
        currency: c.currency ?? d.currency,
      }));
      break;
    }
    case 'FollowUpTaskCreated':
    case 'FollowUpTaskCompleted':
    case 'FollowUpTaskOverdue':
    case 'FollowUpTaskEscalated':
    case 'PlaybookPublished':
    case 'PromiseMade':
    case 'PromiseKept':
    case 'PromiseBroken':
      // Not on the profile's streams; satisfaction reads promises and missed follow-ups.
      break;
    default:
      assertNever(event, 'event');
  }
  return state;
}

function productIndex(state: CustomerProfileState, purchaseId: string): number {
  return state.products.findIndex((p) => p.purchaseId === purchaseId);
}

/**
 * `record` with its entry at `key` changed (`change` sets fields the entry has, so its keys keep
 * their order): a changed copy in a copied record when copying, the entry itself in place.
 */
function changeEntry<T extends object>(
  how: Ownership,
  record: Record<string, T>,
  key: string,
  change: Partial<T>,
): Record<string, T> {
  return withEntry(how, record, key, Object.assign(how.writable(record[key]), change));
}

/** Changes one product of the (writable) state; unknown purchases are ignored. */
function updateProduct(
  how: Ownership,
  state: CustomerProfileState,
  purchaseId: string,
  change: Partial<ProductHolding>,
): void {
  const i = productIndex(state, purchaseId);
  if (i < 0) return;
  const product = Object.assign(how.writable(state.products[i]), change);
  if (product !== state.products[i]) {
    state.products = state.products.slice();
    state.products[i] = product;
  }
}

/** The state's returns with one for `d.returnId`, an empty one when it is not there yet. */
function withReturn(
  how: Ownership,
  state: CustomerProfileState,
  d: { returnId: string; purchaseId: string },
): Record<string, ProfileReturn> {
  return entryOf(state.returns, d.returnId)
    ? state.returns
    : withEntry(how, state.returns, d.returnId, emptyReturn(d.returnId, d.purchaseId));
}

/** Changes one claim of the (writable) state, starting from an empty one for a claim not seen yet. */
function updateClaim(
  how: Ownership,
  state: CustomerProfileState,
  claimId: string,
  change: (claim: ProfileClaim) => Partial<ProfileClaim>,
): void {
  const existing = entryOf(state.claims, claimId);
  const claim: ProfileClaim = existing
    ? how.writable(existing)
    : {
        claimId,
        purchaseId: null,
        serialNumber: null,
        filedAt: null,
        outcome: 'pending',
        overridden: false,
        coveredAmount: 0,
        currency: null,
        fulfilledAt: null,
        fulfilledAmount: null,
      };
  // The change reads the claim as it was, before any field of it is set.
  state.claims = withEntry(how, state.claims, claimId, Object.assign(claim, change(claim)));
}

function emptyReturn(returnId: string, purchaseId: string): ProfileReturn {
  return {
    returnId,
    purchaseId,
    requestedAt: null,
    completedAt: null,
    outcome: null,
    refundAmount: 0,
    currency: null,
  };
}

export const customerProfileProjection: Projection<CustomerProfileState> = {
  name: 'customer_profile',
  // 2: purchase days are derived from the products (`purchaseDays`), no longer stored.
  // 3: stored in its compact form (`storedCustomerProfile`).
  version: 3,
  filter: { categories: [CUSTOMER_STREAM_CATEGORY, WARRANTY_CLAIM_STREAM_CATEGORY] },
  keyOf: customerIdOf,
  customerScope: 'customer',
  initialState: initialCustomerProfile,
  evolve: evolveCustomerProfile,
  evolveInPlace: evolveCustomerProfileInPlace,
  stored: storedCustomerProfile,
  columns: {
    registeredAt: (s) => s.registeredAt,
    purchaseCount: (s) => s.purchaseCount,
    firstPurchaseAt: (s) => s.firstPurchaseAt,
    lastPurchaseAt: (s) => s.lastPurchaseAt,
    lastInteractionAt: (s) => s.lastInteraction?.at ?? null,
    openComplaints: (s) => openComplaints(s).length,
    piiErased: (s) => (s.piiErased ? 1 : 0),
    revenue: (s) => {
      const currency = mainCurrency(s);
      return currency ? s.revenueByCurrency[currency] : 0;
    },
  },
  // Read by key only (one customer, or every customer in key order): no column index.
  indexes: [],
};
