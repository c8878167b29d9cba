import { assertNever } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import { asAftercareEvent } from './event-data';

/** One line a person can read in a timeline, e.g. "Complaint c-1 filed (delivery, high)". */
export function describeEvent(recorded: RecordedEvent): string {
  const event = asAftercareEvent(recorded);
  if (!event) return recorded.type;
  switch (event.type) {
    case 'CustomerRegistered':
      return `Registered (${event.data.segment}, ${event.data.countryCode}, via ${event.data.signupChannel})`;
    case 'PurchaseRecorded':
      return `Bought ${event.data.sku} (${event.data.productCategory}) for ${event.data.price} ${event.data.currency}`;
    case 'DeliveryScheduled':
      return `Delivery of ${event.data.purchaseId} promised ${event.data.promisedFrom.slice(0, 10)}..${event.data.promisedTo.slice(0, 10)}`;
    case 'DeliveryCompleted':
      return `Delivered ${event.data.purchaseId} (${event.data.timing.replace('_', ' ')})`;
    case 'SetupCompleted':
      return `Setup of ${event.data.purchaseId} completed (visit ${event.data.attempt})`;
    case 'SetupFailed':
      return `Setup of ${event.data.purchaseId} failed (visit ${event.data.attempt}): ${event.data.reason}`;
    case 'ComplaintFiled':
      return `Complaint ${event.data.complaintId} filed (${event.data.category}, ${event.data.severity})`;
    case 'ComplaintAcknowledged':
      return `Complaint ${event.data.complaintId} acknowledged`;
    case 'ComplaintEscalated':
      return `Complaint ${event.data.complaintId} escalated to level ${event.data.level}: ${event.data.reason}`;
    case 'ComplaintResolved':
      return `Complaint ${event.data.complaintId} resolved (${event.data.remedyGiven})`;
    case 'ComplaintReopened':
      return `Complaint ${event.data.complaintId} reopened: ${event.data.reason}`;
    case 'RepairCompleted':
      return `Repaired ${event.data.serialNumber} (${event.data.defectCode}, paid by ${event.data.paidBy}, ${event.data.cost} ${event.data.currency})`;
    case 'ReturnRequested':
      return `Return of ${event.data.purchaseId} requested: ${event.data.reason}`;
    case 'ReturnCompleted':
      return `Return of ${event.data.purchaseId} completed (${event.data.outcome}${event.data.refundAmount ? `, ${event.data.refundAmount} ${event.data.currency}` : ''})`;
    case 'FeedbackReceived': {
      const d = event.data;
      const scores = [
        d.nps !== undefined ? `NPS ${d.nps}` : '',
        d.csat !== undefined ? `CSAT ${d.csat}` : '',
        d.ces !== undefined ? `CES ${d.ces}` : '',
      ].filter(Boolean);
      return `Feedback: ${scores.join(', ') || 'comment only'}`;
    }
    case 'ReferralMade':
      return `Referred customer ${event.data.referredCustomerId}`;
    case 'MaintenancePlanSubscribed':
      return `Subscribed to maintenance plan ${event.data.planId} (${event.data.price} ${event.data.currency} ${event.data.billingPeriod})`;
    case 'MaintenancePlanCancelled':
      return `Cancelled maintenance plan ${event.data.planId}`;
    case 'RetentionActionTaken':
      return `Retention action: ${event.data.action.replace(/_/g, ' ')} (cost ${event.data.cost} ${event.data.currency})`;
    case 'CustomerPiiErased':
      return `Personal data erased (requested by ${event.data.requestedBy})`;
    case 'WarrantyClaimFiled':
      return `Warranty claim ${event.data.claimId} filed on ${event.data.serialNumber ?? `purchase ${event.data.purchaseId}`} (${event.data.defect.code})`;
    case 'WarrantyClaimDecided':
      return `Warranty claim ${event.data.claimId} ${event.data.outcome.replace('_', ' ')} under policy ${event.data.policyId} v${event.data.policyVersion}`;
    case 'WarrantyClaimAssessed':
      return `Warranty claim ${event.data.claimId} assessed: ${event.data.cause} (${event.data.method} by ${event.data.assessedBy})`;
    case 'WarrantyRemedyRefused':
      return `Warranty claim ${event.data.claimId}: ${event.data.remedy} refused as ${event.data.ground}`;
    case 'WarrantyDecisionOverridden':
      return `Warranty claim ${event.data.claimId} overridden to ${event.data.outcome} by ${event.data.agentId}`;
    case 'WarrantyClaimFulfilled':
      return `Warranty claim ${event.data.claimId} fulfilled (${event.data.remedy}, ${event.data.amount} ${event.data.currency})`;
    case 'WarrantyPolicyPublished':
      return `Warranty policy ${event.data.policyId} v${event.data.version} published`;
    case 'FollowUpTaskCreated':
      return `Follow-up ${event.data.kind.replace('_', ' ')} due ${event.data.dueAt.slice(0, 16)} (${event.data.reason}; playbook ${event.data.playbook.playbookId} v${event.data.playbook.version})`;
    case 'FollowUpTaskCompleted':
      return `Follow-up ${event.data.taskId} done by ${event.data.completedBy}: ${event.data.outcome.replace('_', ' ')}`;
    case 'FollowUpTaskOverdue':
      return `Follow-up ${event.data.taskId} overdue (due ${event.data.dueAt.slice(0, 16)})`;
    case 'FollowUpTaskEscalated':
      return `Follow-up ${event.data.taskId} escalated to ${event.data.toQueue}`;
    case 'PlaybookPublished':
      return `Playbook ${event.data.playbookId} v${event.data.version} published`;
    case 'PromiseMade':
      return `Promise by ${event.data.agentId}, due ${event.data.dueAt.slice(0, 16)}: ${event.data.text}`;
    case 'PromiseKept':
      return `Promise ${event.data.promiseId} kept`;
    case 'PromiseBroken':
      return `Promise ${event.data.promiseId} broken (${event.data.reason})`;
    default:
      return assertNever(event, 'event');
  }
}
