import { CUSTOMER_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent, utcInstant } from './event-data';
import { storedComplaint } from './complaints.stored';

/**
 * Every complaint, keyed by complaintId, so the complaints past their handling targets can be
 * listed across all customers: `queue` names an open complaint's severity and whether it was
 * acknowledged, `filedAt` orders them (both targets' clocks start at filing), and a query asks
 * each queue for the complaints filed before its target's cut-off.
 */
export interface ComplaintState {
  complaintId: string;
  customerId: string | null;
  purchaseId: string | null;
  category: string | null;
  severity: string | null;
  filedAt: string | null;
  acknowledgedAt: string | null;
  resolvedAt: string | null;
  open: boolean;
}

/** The queue column of an open complaint: `<severity>:acknowledged` or `<severity>:new`. */
export function complaintQueue(severity: string, acknowledged: boolean): string {
  return `${severity}:${acknowledged ? 'acknowledged' : 'new'}`;
}

export function initialComplaint(complaintId: string): ComplaintState {
  return {
    complaintId,
    customerId: null,
    purchaseId: null,
    category: null,
    severity: null,
    filedAt: null,
    acknowledgedAt: null,
    resolvedAt: null,
    open: false,
  };
}

export function evolveComplaint(state: ComplaintState, recorded: RecordedEvent): ComplaintState {
  const event = asAftercareEvent(recorded);
  if (!event) return state;
  switch (event.type) {
    case 'ComplaintFiled': {
      const d = event.data;
      if (state.filedAt !== null) return state;
      return {
        ...state,
        customerId: d.customerId,
        purchaseId: d.purchaseId ?? null,
        category: d.category,
        severity: d.severity,
        filedAt: d.occurredAt,
        open: true,
      };
    }
    case 'ComplaintAcknowledged':
      return state.acknowledgedAt === null
        ? { ...state, acknowledgedAt: event.data.occurredAt }
        : state;
    case 'ComplaintResolved':
      return { ...state, open: false, resolvedAt: event.data.occurredAt };
    case 'ComplaintReopened':
      // Back in progress, and counted as acknowledged (as the customer profile does).
      return {
        ...state,
        open: true,
        resolvedAt: null,
        acknowledgedAt: state.acknowledgedAt ?? event.data.occurredAt,
      };
    default:
      return state;
  }
}

export const complaintsProjection: Projection<ComplaintState> = {
  name: 'complaints',
  // 2: stored in its compact form (`storedComplaint`).
  version: 2,
  filter: {
    categories: [CUSTOMER_STREAM_CATEGORY],
    eventTypePrefixes: [
      'ComplaintFiled',
      'ComplaintAcknowledged',
      'ComplaintResolved',
      'ComplaintReopened',
    ],
  },
  keyOf: (event) => {
    const complaintId = (event.data as { complaintId?: unknown } | null)?.complaintId;
    return typeof complaintId === 'string' ? complaintId : undefined;
  },
  // A claim's (a complaint's) events are all about the customer who filed it.
  customerScope: 'customer',
  initialState: initialComplaint,
  evolve: evolveComplaint,
  stored: storedComplaint,
  columns: {
    queue: (s) =>
      s.open && s.severity !== null && s.filedAt !== null
        ? complaintQueue(s.severity, s.acknowledgedAt !== null)
        : null,
    filedAt: (s) => (s.filedAt === null ? null : utcInstant(s.filedAt)),
    customerId: (s) => s.customerId,
  },
  // Breaching complaints: one queue's open complaints (a few), filtered and sorted by filing
  // date among themselves.
  indexes: ['queue'],
};
