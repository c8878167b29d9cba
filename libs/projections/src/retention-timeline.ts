import type { RetentionActionName, RetentionTimeline } from '@aftercare/analytics';
import { emptyTimeline } from '@aftercare/analytics';
import type { AftercareEvent } from '@aftercare/domain';
import { FAULT_REASON } from './churn-incidents.projection';
import { DAY_MS } from './event-data';
import { SATISFACTION_RULES } from './satisfaction.state';
import {
  CUSTOMER_STREAM_CATEGORY,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
  RETENTION_ACTIONS,
  WARRANTY_CLAIM_STREAM_CATEGORY,
} from '@aftercare/domain';

/** An event as the fold needs it: its type and data (a stored event or a simulated one). */
export type TimelineEvent = { type: string; data: unknown };

const COMPLAINT_ABOUT_PRODUCT = new Set(['product_defect', 'installation', 'warranty']);

/**
 * The streams the timeline reads: the customer's, their follow-up tasks, their promises and their
 * warranty claims (a defect claimed, a claim rejected: bad incidents agents react to).
 */
export const RETENTION_TIMELINE_CATEGORIES = [
  CUSTOMER_STREAM_CATEGORY,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
  WARRANTY_CLAIM_STREAM_CATEGORY,
];

/**
 * Folds one customer, follow-up task or promise event into the customer's retention timeline (what the next-best-
 * action model reads). Other events leave it unchanged. Pure; mutates and returns `t` (one fold
 * owns its timeline), so folding a long history allocates nothing per event.
 */
export function evolveRetentionTimeline(
  t: RetentionTimeline,
  event: TimelineEvent,
): RetentionTimeline {
  const e = event as AftercareEvent;
  const at = Date.parse((e.data as { occurredAt: string }).occurredAt);
  if (Number.isNaN(at)) return t;
  switch (e.type) {
    case 'PurchaseRecorded':
      t.currency ??= e.data.currency;
      t.purchases.push({ at, price: e.data.price, serialised: e.data.serialNumber !== undefined });
      break;
    case 'DeliveryScheduled':
      if (Object.hasOwn(t.pendingDeliveries, e.data.purchaseId)) {
        t.incidents.push({ at, kind: 'failed_delivery' });
      }
      t.pendingDeliveries[e.data.purchaseId] = true;
      break;
    case 'DeliveryCompleted':
      delete t.pendingDeliveries[e.data.purchaseId];
      if (!e.data.onTime) t.incidents.push({ at, kind: 'late_delivery' });
      break;
    case 'ReturnRequested':
      if (FAULT_REASON.test(e.data.reason)) t.incidents.push({ at, kind: 'faulty_return' });
      break;
    case 'SetupFailed':
      t.incidents.push({ at, kind: 'failed_setup' });
      break;
    case 'ComplaintFiled':
      t.incidents.push({ at, kind: 'complaint' });
      t.complaints.push({
        id: e.data.complaintId,
        filedAt: at,
        resolvedAt: null,
        product: COMPLAINT_ABOUT_PRODUCT.has(e.data.category),
        remedySought: e.data.remedySought,
      });
      break;
    case 'ComplaintAcknowledged': {
      const c = t.complaints.find((x) => x.id === e.data.complaintId);
      if (c && (at - c.filedAt) / DAY_MS > SATISFACTION_RULES.acknowledgeWithinDays) {
        t.incidents.push({ at, kind: 'slow_acknowledgement' });
      }
      break;
    }
    case 'ComplaintEscalated':
      t.incidents.push({ at, kind: 'escalation' });
      break;
    case 'ComplaintResolved': {
      const c = t.complaints.find((x) => x.id === e.data.complaintId);
      if (!c) break;
      if (c.resolvedAt === null) c.resolvedAt = at;
      const late = (at - c.filedAt) / DAY_MS > SATISFACTION_RULES.overdueComplaintDays;
      if (late || e.data.remedyGiven !== c.remedySought) {
        t.incidents.push({ at, kind: 'bad_resolution' });
      }
      break;
    }
    case 'ComplaintReopened':
      t.incidents.push({ at, kind: 'reopening' });
      break;
    case 'RepairCompleted':
      if (e.data.warrantyClaimId === undefined) t.incidents.push({ at, kind: 'defect' });
      if (e.data.paidBy === 'customer') t.incidents.push({ at, kind: 'paid_repair' });
      break;
    case 'FeedbackReceived':
      if (e.data.nps !== undefined) {
        t.nps.push({ at, score: e.data.nps });
        if (e.data.nps <= 6) t.incidents.push({ at, kind: 'detractor' });
      }
      break;
    case 'MaintenancePlanSubscribed':
      t.plans.push({ id: e.data.planId, at, cancelledAt: null });
      break;
    case 'MaintenancePlanCancelled': {
      const plan = t.plans.find((p) => p.id === e.data.planId);
      if (plan) plan.cancelledAt = at;
      break;
    }
    case 'WarrantyClaimFiled':
      t.incidents.push({ at, kind: 'defect' });
      break;
    case 'WarrantyClaimDecided':
    case 'WarrantyDecisionOverridden':
      if (e.data.outcome === 'rejected' && !Object.hasOwn(t.rejectedClaims, e.data.claimId)) {
        t.rejectedClaims[e.data.claimId] = true;
        t.incidents.push({ at, kind: 'warranty_rejection' });
      }
      break;
    case 'RetentionActionTaken':
      if ((RETENTION_ACTIONS as readonly string[]).includes(e.data.action)) {
        t.actions.push({ at, action: e.data.action as RetentionActionName });
      }
      break;
    case 'CustomerPiiErased':
      t.erasedAt = at;
      break;
    // A follow-up task completed with the customer reached is a follow-up call: the evidence of
    // "a timely follow-up after a bad incident" (courtesy calls after a delivery are not).
    case 'FollowUpTaskCreated':
      t.followUps[e.data.taskId] = e.data.kind;
      if (e.data.kind !== 'courtesy_call') {
        t.followUpCalls.push({ taskId: e.data.taskId, createdAt: at, doneAt: null });
      }
      break;
    case 'FollowUpTaskCompleted': {
      const kind = t.followUps[e.data.taskId];
      const call = t.followUpCalls.find((c) => c.taskId === e.data.taskId);
      if (call && call.doneAt === null) call.doneAt = at;
      const reached = e.data.outcome === 'reached' || e.data.outcome === 'issue_found';
      if (reached && kind !== undefined && kind !== 'courtesy_call') {
        t.actions.push({ at, action: 'recovery_call' });
      }
      break;
    }
    case 'FollowUpTaskOverdue':
      t.incidents.push({ at, kind: 'missed_follow_up' });
      break;
    case 'PromiseBroken':
      t.incidents.push({ at, kind: 'broken_promise' });
      break;
    default:
      break;
  }
  return t;
}

/** A fresh timeline folded from one customer's events. */
export function foldRetentionTimeline(
  customerId: string,
  events: Iterable<TimelineEvent>,
): RetentionTimeline {
  let t = emptyTimeline(customerId);
  for (const event of events) t = evolveRetentionTimeline(t, event);
  return t;
}

// The analytics library names the actions without depending on the domain: the two lists agree.
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
export const RETENTION_ACTION_NAMES_AGREE: Same<
  (typeof RETENTION_ACTIONS)[number],
  RetentionActionName
> = true;
