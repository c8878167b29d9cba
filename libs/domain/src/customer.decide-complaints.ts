import type { CustomerEvent } from './customer.events';
import { DomainError } from './domain-error';
import { assertNever } from './domain-event';
import type {
  KnownCustomer,
  AcknowledgeComplaint,
  EscalateComplaint,
  FileComplaint,
  ReopenComplaint,
  ResolveComplaint,
} from './customer.commands';
import {
  alreadyResolved,
  requireComplaint,
  requirePurchase,
  withoutUndefined,
} from './customer.rules';
import { entryOf } from './records';

export type ComplaintCommand =
  FileComplaint | AcknowledgeComplaint | EscalateComplaint | ResolveComplaint | ReopenComplaint;

/** Complaints, handled in the spirit of ISO 10002: filed, acknowledged, escalated, resolved, reopened. */
export function decideComplaints(command: ComplaintCommand, state: KnownCustomer): CustomerEvent[] {
  const { customerId, occurredAt } = command.data;

  switch (command.type) {
    case 'FileComplaint': {
      const d = command.data;
      if (entryOf(state.complaints, d.complaintId)) {
        throw new DomainError('duplicate_complaint', `Complaint ${d.complaintId} already exists`, {
          complaintId: d.complaintId,
        });
      }
      if (d.purchaseId !== undefined) requirePurchase(state, d.purchaseId);
      return [
        {
          type: 'ComplaintFiled',
          data: withoutUndefined({
            customerId,
            occurredAt,
            complaintId: d.complaintId,
            purchaseId: d.purchaseId,
            category: d.category,
            severity: d.severity,
            channel: d.channel,
            remedySought: d.remedySought,
            description: d.description,
            followUpTaskId: d.followUpTaskId,
          }),
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
            customerId,
            occurredAt,
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
            customerId,
            occurredAt,
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
            customerId,
            occurredAt,
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
          data: { customerId, occurredAt, complaintId: c.complaintId, reason: command.data.reason },
        },
      ];
    }

    default:
      return assertNever(command, 'customer command');
  }
}
