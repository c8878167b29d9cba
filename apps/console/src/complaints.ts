import type { ComplaintTarget } from './session';

export interface OpenComplaint {
  complaintId: string;
  severity: string;
  filedAt: string;
  acknowledgedAt: string | null;
}

export interface Due {
  at: string;
  breached: boolean;
}

const HOUR = 3_600_000;

/**
 * When an open complaint is due to be acknowledged and resolved (both clocks start at filing, as
 * the API's targets say) and whether each is breached at `now`, the moment the view is computed for.
 */
export function complaintDue(
  complaint: OpenComplaint,
  targets: Record<string, ComplaintTarget>,
  now: string,
): { acknowledge: Due; resolve: Due } | null {
  const target = targets[complaint.severity];
  if (!target) return null;
  const filed = Date.parse(complaint.filedAt);
  const ackAt = filed + target.acknowledgeWithinHours * HOUR;
  const resolveAt = filed + target.resolveWithinHours * HOUR;
  const acknowledged = complaint.acknowledgedAt
    ? Date.parse(complaint.acknowledgedAt)
    : Date.parse(now);
  return {
    acknowledge: { at: new Date(ackAt).toISOString(), breached: acknowledged > ackAt },
    resolve: { at: new Date(resolveAt).toISOString(), breached: Date.parse(now) > resolveAt },
  };
}
