import type { ChurnBand } from '@aftercare/analytics';
import type { EventMetadata, EventToAppend, RecordedEvent } from '@aftercare/event-store';
import {
  type ChurnIncidentsState,
  type ClvModelFittedData,
  type ComplaintRecord,
  type CustomerProfileState,
  evolveChurnIncidents,
  evolveCustomerProfile,
  evolveSatisfaction,
  initialChurnIncidents,
  initialCustomerProfile,
  initialSatisfaction,
  occurredAtOf,
  type SatisfactionLevel,
  type SatisfactionStateData,
  satisfactionState,
} from '@aftercare/projections';
import { customerAssessment } from '../queries/customer-view';
import { uuidV5 } from '../write/event-ids';
import { COMPLAINT_TARGETS } from './complaint-targets';
import type { ComplaintTargetBreachData, SignalEvent } from './signal.events';

/**
 * The pure core of the signal processor: one customer's folded states (the projections' own
 * folds), the satisfaction level and churn band last computed, and the breaches already signalled.
 * `stepCustomerSignals` folds one event and says which signals it raises; `dueBreaches` checks the
 * complaint targets against a clock (the sweep). No I/O and no wall clock here.
 */

type BreachType = 'ComplaintAcknowledgementTargetBreached' | 'ComplaintResolutionTargetBreached';

export interface SignalCause {
  eventId: string;
  correlationId?: string;
}

export interface CustomerSignalState {
  customerId: string;
  profile: CustomerProfileState;
  satisfaction: SatisfactionStateData;
  /** The incident log churn risk reads (absent in states saved before it existed). */
  incidents?: ChurnIncidentsState;
  /** The customer's business clock: the latest occurredAt folded (late records do not move it back). */
  clock: string | null;
  level: SatisfactionLevel;
  band: ChurnBand | null;
  /** Breaches already signalled, by `${type}:${complaintId}`. */
  breached: Readonly<Record<string, true>>;
  /** The ComplaintFiled event of each complaint: the cause of a breach the sweep finds. */
  complaintCauses: Readonly<Record<string, SignalCause>>;
}

/** A signal ready to append to `signal-<customerId>`. */
export type SignalToAppend = EventToAppend<SignalEvent['data']> & { type: SignalEvent['type'] };

const HOUR_MS = 3_600_000;
const EPOCH = new Date(0).toISOString();

export function initialCustomerSignals(customerId: string): CustomerSignalState {
  const satisfaction = initialSatisfaction(customerId);
  return {
    customerId,
    profile: initialCustomerProfile(customerId),
    satisfaction,
    incidents: initialChurnIncidents(customerId),
    clock: null,
    // What the satisfaction rules say of a customer we know nothing about (neutral).
    level: satisfactionState(satisfaction, EPOCH).state,
    band: null,
    breached: {},
    complaintCauses: {},
  };
}

/**
 * Folds one customer or warranty event and returns the signals it raises: the satisfaction level
 * or churn band (computed at the customer's business clock, with the CLV fit in force) changed, a
 * complaint target is now known to be breached, or a warranty decision went to review.
 *
 * Churn: a band is signalled when it changes from one band to another, and when a customer is
 * first scored medium or high (a first score of low is not news).
 */
export function stepCustomerSignals(
  state: CustomerSignalState,
  event: RecordedEvent,
  fit: ClvModelFittedData | null,
): { state: CustomerSignalState; signals: SignalToAppend[] } {
  const occurredAt = occurredAtOf(event);
  const clock =
    occurredAt === undefined || (state.clock !== null && ms(state.clock) >= ms(occurredAt))
      ? state.clock
      : occurredAt;
  let next: CustomerSignalState = {
    ...state,
    profile: evolveCustomerProfile(state.profile, event),
    satisfaction: evolveSatisfaction(state.satisfaction, event),
    incidents: evolveChurnIncidents(
      state.incidents ?? initialChurnIncidents(state.customerId),
      event,
    ),
    clock,
  };
  if (event.type === 'ComplaintFiled') {
    const complaintId = (event.data as { complaintId: string }).complaintId;
    next = {
      ...next,
      complaintCauses: { ...next.complaintCauses, [complaintId]: causeOf(event) },
    };
  }
  if (clock === null) return { state: next, signals: [] };

  const cause = causeOf(event);
  const signals: SignalToAppend[] = [];
  const view = customerAssessment({
    profile: next.profile,
    satisfaction: next.satisfaction,
    incidents: next.incidents,
    now: clock,
    fit,
  });

  if (view.satisfaction.state !== state.level) {
    signals.push(
      signal(cause, state.customerId, {
        type: 'SatisfactionStateChanged',
        data: {
          customerId: state.customerId,
          occurredAt: clock,
          from: state.level,
          to: view.satisfaction.state,
          reasons: view.satisfaction.reasons,
        },
      }),
    );
  }
  const band = view.churnRisk?.band ?? null;
  if (view.churnRisk && band !== state.band && (state.band !== null || band !== 'low')) {
    signals.push(
      signal(cause, state.customerId, {
        type: 'ChurnBandChanged',
        data: {
          customerId: state.customerId,
          occurredAt: clock,
          from: state.band,
          to: view.churnRisk.band,
          probability: view.churnRisk.probability,
          factors: view.churnRisk.factors,
        },
      }),
    );
  }
  // A band that becomes unknown (e.g. no purchase in the fit's currency) keeps the last one.
  next = { ...next, level: view.satisfaction.state, band: band ?? state.band };

  const breaches = dueBreaches(next, clock, () => cause);
  next = breaches.state;
  signals.push(...breaches.signals);

  if (event.type === 'WarrantyClaimDecided') {
    const decided = event.data as {
      claimId: string;
      outcome: string;
      ruleTrace: { effect: string; result: string; explanation: string }[];
    };
    // A claim waiting for an assessment of its cause also needs a person to act on it.
    const referred = decided.outcome === 'needs_review' || decided.outcome === 'needs_assessment';
    if (referred) {
      signals.push(
        signal(cause, decided.claimId, {
          type: 'WarrantyClaimReferredForReview',
          data: {
            customerId: state.customerId,
            claimId: decided.claimId,
            occurredAt: occurredAt ?? clock,
            reasons: decided.ruleTrace
              .filter((r) => r.effect === decided.outcome && r.result === 'failed')
              .map((r) => r.explanation),
          },
        }),
      );
    }
  }
  return { state: next, signals };
}

/**
 * Complaint targets breached by `now` and not signalled yet, once per complaint and target. A
 * target is breached when the deadline passed before the acknowledgement (first resolution)
 * happened, or passed with the complaint still unacknowledged (unresolved) at `now`.
 * `causeOf` names the event a breach is attributed to.
 */
export function dueBreaches(
  state: CustomerSignalState,
  now: string,
  causeOf: (complaint: ComplaintRecord) => SignalCause,
): { state: CustomerSignalState; signals: SignalToAppend[] } {
  const nowMs = ms(now);
  const signals: SignalToAppend[] = [];
  let breached = state.breached;
  for (const c of Object.values(state.satisfaction.complaints)) {
    const target = COMPLAINT_TARGETS[c.severity];
    const checks: [BreachType, number, string | null][] = [
      ['ComplaintAcknowledgementTargetBreached', target.acknowledgeWithinHours, c.acknowledgedAt],
      ['ComplaintResolutionTargetBreached', target.resolveWithinHours, c.firstResolvedAt],
    ];
    for (const [type, hours, metAt] of checks) {
      const key = breachKey(type, c.complaintId);
      if (Object.hasOwn(breached, key)) continue;
      const deadline = ms(c.filedAt) + hours * HOUR_MS;
      if (metAt !== null ? ms(metAt) <= deadline : nowMs <= deadline) continue;
      breached = { ...breached, [key]: true };
      const data: ComplaintTargetBreachData = {
        customerId: state.customerId,
        complaintId: c.complaintId,
        severity: c.severity,
        filedAt: c.filedAt,
        targetHours: hours,
        breachedAt: new Date(deadline).toISOString(),
        occurredAt: now,
      };
      signals.push(signal(causeOf(c), c.complaintId, { type, data }, breachId(state, type, c)));
    }
  }
  return { state: breached === state.breached ? state : { ...state, breached }, signals };
}

/**
 * The earliest deadline (epoch ms) of a target that could still be breached, or undefined: what
 * the sweep must look at next for this customer.
 */
export function nextTargetDeadline(state: CustomerSignalState): number | undefined {
  let earliest: number | undefined;
  for (const c of Object.values(state.satisfaction.complaints)) {
    const target = COMPLAINT_TARGETS[c.severity];
    const pending: [BreachType, number, string | null][] = [
      ['ComplaintAcknowledgementTargetBreached', target.acknowledgeWithinHours, c.acknowledgedAt],
      ['ComplaintResolutionTargetBreached', target.resolveWithinHours, c.firstResolvedAt],
    ];
    for (const [type, hours, metAt] of pending) {
      if (metAt !== null || Object.hasOwn(state.breached, breachKey(type, c.complaintId))) continue;
      const deadline = ms(c.filedAt) + hours * HOUR_MS;
      earliest = earliest === undefined ? deadline : Math.min(earliest, deadline);
    }
  }
  return earliest;
}

/** Marks breaches found in the customer's signal stream as signalled (e.g. by an earlier sweep). */
export function withSignalledBreaches(
  state: CustomerSignalState,
  recorded: Iterable<Pick<RecordedEvent, 'type' | 'data'>>,
): CustomerSignalState {
  let breached = state.breached;
  for (const event of recorded) {
    if (
      event.type === 'ComplaintAcknowledgementTargetBreached' ||
      event.type === 'ComplaintResolutionTargetBreached'
    ) {
      const key = breachKey(event.type, (event.data as ComplaintTargetBreachData).complaintId);
      if (!Object.hasOwn(breached, key)) breached = { ...breached, [key]: true };
    }
  }
  return breached === state.breached ? state : { ...state, breached };
}

function breachKey(type: BreachType, complaintId: string): string {
  return `${type}:${complaintId}`;
}

/**
 * A breach's id depends on the complaint only, so the event path and the sweep derive the same id
 * and the store keeps whichever came first.
 */
function breachId(state: CustomerSignalState, type: BreachType, c: ComplaintRecord): string {
  return uuidV5(`signal:${type}:${state.customerId}:${c.complaintId}`);
}

function causeOf(event: RecordedEvent): SignalCause {
  const correlationId = event.metadata.correlationId;
  return correlationId === undefined ? { eventId: event.id } : { eventId: event.id, correlationId };
}

function signal(
  cause: SignalCause,
  key: string,
  { type, data }: SignalEvent,
  id = uuidV5(`${cause.eventId}:${type}:${key}`),
): SignalToAppend {
  const metadata: EventMetadata = {
    schemaVersion: 1,
    causationId: cause.eventId,
    correlationId: cause.correlationId ?? cause.eventId,
    actor: 'signals',
  };
  return { id, type, data, metadata };
}

function ms(iso: string): number {
  return Date.parse(iso);
}
