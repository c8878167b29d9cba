import type { ChurnIncidentKind as IncidentKind, IncidentAges } from '@aftercare/analytics';
import { entryOf, WARRANTY_CLAIM_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { asAftercareEvent, customerIdOf, DAY_MS, ms } from './event-data';
import { copying, idRecord, inPlace, type Ownership, withEntry, withField } from './ownership';
import { EXPERIENCE_STREAM_CATEGORIES } from './satisfaction.projection';
import { SATISFACTION_RULES } from './satisfaction.state';
import { storedChurnIncidents } from './churn-incidents.stored';

/**
 * Every bad incident in a customer's history, with its time: the incident log churn risk reads
 * (docs/churn.md, "Incidents"). Keyed by customerId, folded from the customer, promise,
 * follow-up task and warranty-claim streams. What counts as bad is decided from the store alone,
 * with the product's own rules where it has them:
 *
 * - late_delivery: a delivery completed after its promised window;
 * - failed_delivery: a delivery booked again for a purchase whose earlier delivery never came;
 * - failed_setup: every failed setup visit;
 * - faulty_return: a return requested for a fault (the reason names a fault, defect, damage or
 *   breakage);
 * - complaint: every complaint filed;
 * - slow_acknowledgement: acknowledged later than SATISFACTION_RULES.acknowledgeWithinDays;
 * - escalation, reopening: every one;
 * - bad_resolution: a resolution with another remedy than the one sought, or later than
 *   SATISFACTION_RULES.overdueComplaintDays after filing;
 * - defect: a warranty claim filed, or a repair not under any claim;
 * - paid_repair: a repair the customer paid for;
 * - warranty_rejection: a claim decided (or overridden to) rejected, once per claim;
 * - broken_promise, missed_follow_up: PromiseBroken and FollowUpTaskOverdue.
 */

export interface IncidentRecord {
  kind: IncidentKind;
  at: string;
}

export interface ChurnIncidentsState {
  customerId: string;
  incidents: IncidentRecord[];
  /** Complaints by id: when filed and the remedy sought (to judge acknowledgement and resolution). */
  complaints: Record<string, { filedAt: string; remedySought: string }>;
  /** Deliveries not completed yet, by purchase: a second booking means the first failed. */
  pendingDeliveries: Record<string, string>;
  /** Claims already counted as rejected. */
  rejectedClaims: Record<string, true>;
}

/** A return reason that names a fault (a faulty return is a bad incident). */
export const FAULT_REASON = /fault|defect|damage|broke/i;
const EXTRA_INCIDENTS: Readonly<Record<string, IncidentKind>> = {
  PromiseBroken: 'broken_promise',
  FollowUpTaskOverdue: 'missed_follow_up',
};

export function initialChurnIncidents(customerId: string): ChurnIncidentsState {
  return {
    customerId,
    incidents: [],
    complaints: idRecord(),
    pendingDeliveries: idRecord(),
    rejectedClaims: idRecord(),
  };
}

function withIncident(
  how: Ownership,
  state: ChurnIncidentsState,
  kind: IncidentKind,
  at: string,
): ChurnIncidentsState {
  return withField(how, state, 'incidents', how.append(state.incidents, { kind, at }));
}

/** Folds one event; the state passed in is never changed. */
export function evolveChurnIncidents(
  state: ChurnIncidentsState,
  recorded: RecordedEvent,
): ChurnIncidentsState {
  return foldIncidents(copying, state, recorded);
}

/** `evolveChurnIncidents` changing `state` in place (for a fold that owns it). */
export function evolveChurnIncidentsInPlace(
  state: ChurnIncidentsState,
  recorded: RecordedEvent,
): ChurnIncidentsState {
  return foldIncidents(inPlace, state, recorded);
}

function foldIncidents(
  how: Ownership,
  state: ChurnIncidentsState,
  recorded: RecordedEvent,
): ChurnIncidentsState {
  const extra = entryOf(EXTRA_INCIDENTS, recorded.type);
  if (extra !== undefined) {
    const at = (recorded.data as { occurredAt?: unknown } | null)?.occurredAt;
    return typeof at === 'string' ? withIncident(how, state, extra, at) : state;
  }
  const event = asAftercareEvent(recorded);
  if (!event) return state;
  const incident = (next: ChurnIncidentsState, kind: IncidentKind, at: string) =>
    withIncident(how, next, kind, at);
  switch (event.type) {
    case 'DeliveryScheduled': {
      const d = event.data;
      const failed = entryOf(state.pendingDeliveries, d.purchaseId) !== undefined;
      const next = how.writable(state);
      next.pendingDeliveries = withEntry(how, state.pendingDeliveries, d.purchaseId, d.deliveryId);
      return failed ? incident(next, 'failed_delivery', d.occurredAt) : next;
    }
    case 'DeliveryCompleted': {
      const d = event.data;
      const next = how.writable(state);
      next.pendingDeliveries = how.writable(state.pendingDeliveries);
      delete next.pendingDeliveries[d.purchaseId];
      return d.onTime ? next : incident(next, 'late_delivery', d.occurredAt);
    }
    case 'SetupFailed':
      return incident(state, 'failed_setup', event.data.occurredAt);
    case 'ReturnRequested':
      return FAULT_REASON.test(event.data.reason)
        ? incident(state, 'faulty_return', event.data.occurredAt)
        : state;
    case 'ComplaintFiled': {
      const d = event.data;
      const next = how.writable(state);
      next.complaints = withEntry(how, state.complaints, d.complaintId, {
        filedAt: d.occurredAt,
        remedySought: d.remedySought,
      });
      return incident(next, 'complaint', d.occurredAt);
    }
    case 'ComplaintAcknowledged': {
      const c = entryOf(state.complaints, event.data.complaintId);
      const waitedDays = c ? (ms(event.data.occurredAt) - ms(c.filedAt)) / DAY_MS : 0;
      return waitedDays > SATISFACTION_RULES.acknowledgeWithinDays
        ? incident(state, 'slow_acknowledgement', event.data.occurredAt)
        : state;
    }
    case 'ComplaintEscalated':
      return incident(state, 'escalation', event.data.occurredAt);
    case 'ComplaintReopened':
      return incident(state, 'reopening', event.data.occurredAt);
    case 'ComplaintResolved': {
      const d = event.data;
      const c = entryOf(state.complaints, d.complaintId);
      if (!c) return state;
      const late =
        (ms(d.occurredAt) - ms(c.filedAt)) / DAY_MS > SATISFACTION_RULES.overdueComplaintDays;
      return late || d.remedyGiven !== c.remedySought
        ? incident(state, 'bad_resolution', d.occurredAt)
        : state;
    }
    case 'RepairCompleted': {
      const d = event.data;
      const next =
        d.warrantyClaimId === undefined ? incident(state, 'defect', d.occurredAt) : state;
      return d.paidBy === 'customer' ? incident(next, 'paid_repair', d.occurredAt) : next;
    }
    case 'WarrantyClaimFiled':
      return incident(state, 'defect', event.data.occurredAt);
    case 'WarrantyClaimDecided':
    case 'WarrantyDecisionOverridden': {
      const d = event.data;
      if (d.outcome !== 'rejected' || entryOf(state.rejectedClaims, d.claimId)) return state;
      const next = how.writable(state);
      next.rejectedClaims = withEntry(how, state.rejectedClaims, d.claimId, true as const);
      return incident(next, 'warranty_rejection', d.occurredAt);
    }
    default:
      return state;
  }
}

/** Ages in days at `now` of every incident known by then, by kind (what the scorer reads). */
export function incidentAgesAt(state: ChurnIncidentsState, now: string): IncidentAges {
  const nowMs = ms(now);
  const ages: Partial<Record<IncidentKind, number[]>> = {};
  for (const i of state.incidents) {
    const age = (nowMs - ms(i.at)) / DAY_MS;
    if (!(age >= 0)) continue;
    (ages[i.kind] ??= []).push(age);
  }
  return ages;
}

export const churnIncidentsProjection: Projection<ChurnIncidentsState> = {
  name: 'churn_incidents',
  // 2: stored in its compact form (`storedChurnIncidents`).
  version: 2,
  filter: { categories: [...EXPERIENCE_STREAM_CATEGORIES, WARRANTY_CLAIM_STREAM_CATEGORY] },
  keyOf: customerIdOf,
  customerScope: 'customer',
  initialState: initialChurnIncidents,
  evolve: evolveChurnIncidents,
  evolveInPlace: evolveChurnIncidentsInPlace,
  stored: storedChurnIncidents,
  columns: {
    incidents: (s) => s.incidents.length,
  },
  // Read by key only: no column index.
  indexes: [],
};
