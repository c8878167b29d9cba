import type { CustomerEvent } from './customer.events';
import { FEEDBACK_SCALES } from './customer.events';
import { DomainError } from './domain-error';
import { assertNever } from './domain-event';
import type {
  KnownCustomer,
  CancelMaintenancePlan,
  EraseCustomerPii,
  RecordFeedback,
  RecordReferral,
  SubscribeMaintenancePlan,
} from './customer.commands';
import {
  requireAmount,
  requireComplaint,
  requirePurchase,
  withoutUndefined,
} from './customer.rules';
import { entryOf } from './records';

export type RelationshipCommand =
  | RecordFeedback
  | RecordReferral
  | SubscribeMaintenancePlan
  | CancelMaintenancePlan
  | EraseCustomerPii;

/** Feedback, referrals, maintenance plans and erasure: the relationship beyond one purchase. */
export function decideRelationship(
  command: RelationshipCommand,
  state: KnownCustomer,
): CustomerEvent[] {
  const { customerId, occurredAt } = command.data;

  switch (command.type) {
    case 'RecordFeedback': {
      const d = command.data;
      if (entryOf(state.feedbackIds, d.feedbackId)) {
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
      return [
        {
          type: 'FeedbackReceived',
          data: withoutUndefined({
            customerId,
            occurredAt,
            feedbackId: d.feedbackId,
            nps: d.nps,
            csat: d.csat,
            ces: d.ces,
            comment: d.comment,
            purchaseId: d.purchaseId,
            complaintId: d.complaintId,
            channel: d.channel,
          }),
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
      if (entryOf(state.referredCustomerIds, d.referredCustomerId)) {
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
            customerId,
            occurredAt,
            referralId: d.referralId,
            referredCustomerId: d.referredCustomerId,
            ...(d.channel !== undefined ? { channel: d.channel } : {}),
          },
        },
      ];
    }

    case 'SubscribeMaintenancePlan': {
      const d = command.data;
      if (entryOf(state.plans, d.planId) === 'active') {
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
          data: withoutUndefined({
            customerId,
            occurredAt,
            planId: d.planId,
            purchaseId: d.purchaseId,
            price: d.price,
            currency: d.currency,
            billingPeriod: d.billingPeriod,
          }),
        },
      ];
    }

    case 'CancelMaintenancePlan': {
      const d = command.data;
      const plan = entryOf(state.plans, d.planId);
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
            customerId,
            occurredAt,
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
            customerId,
            occurredAt,
            requestedBy: command.data.requestedBy,
            ...(command.data.reason !== undefined ? { reason: command.data.reason } : {}),
          },
        },
      ];

    default:
      return assertNever(command, 'customer command');
  }
}
