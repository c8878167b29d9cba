import {
  EVENT_SCHEMA_VERSIONS,
  type PromiseCommand,
  type PromiseEvent,
  promiseDecider,
  promiseStreamId,
  sha256Hex,
} from '@aftercare/domain';
import type { SimulatedStream } from './customer.simulation';
import type { SimulatedEvent } from './world.model';

const DAY = 86_400_000;
const HOUR = 3_600_000;
/** What an agent who acknowledges a complaint promises: a resolution within this many days. */
export const PROMISED_RESOLUTION_DAYS = 7;

/** A name-based id in UUID form (the simulation draws no randomness for promises). */
function idFrom(name: string): string {
  const h = sha256Hex(name);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

type Complaint = { acknowledgedAt?: string; agentId?: string; resolvedAt?: string; ackId?: string };

/**
 * Promise streams derived from a simulated customer's complaint handling (the `promises` world
 * option): the agent who acknowledges a complaint promises its resolution within 7 days; the
 * promise is kept when the complaint is resolved by then, and broken by the due-time sweep an
 * hour after otherwise (left open when that falls after the simulated period). Derived from the
 * events alone, so the ground truth and every other stream stay as they were.
 */
export function complaintPromises(customer: SimulatedStream, toMs: number): SimulatedStream[] {
  const complaints = new Map<string, Complaint>();
  let customerId: string | undefined;
  for (const event of customer.events) {
    const d = event.data as {
      customerId?: string;
      complaintId?: string;
      agentId?: string;
      occurredAt: string;
    };
    customerId ??= d.customerId;
    if (d.complaintId === undefined) continue;
    const c = complaints.get(d.complaintId) ?? {};
    if (event.type === 'ComplaintAcknowledged' && c.acknowledgedAt === undefined && d.agentId) {
      complaints.set(d.complaintId, {
        ...c,
        acknowledgedAt: d.occurredAt,
        agentId: d.agentId,
        ackId: event.id,
      });
    } else if (event.type === 'ComplaintResolved' && c.resolvedAt === undefined) {
      complaints.set(d.complaintId, { ...c, resolvedAt: d.occurredAt });
    }
  }
  const streams: SimulatedStream[] = [];
  for (const [complaintId, c] of complaints) {
    if (!customerId || !c.acknowledgedAt || !c.agentId || !c.ackId) continue;
    const promiseId = `pr-${complaintId}`;
    const dueMs = Date.parse(c.acknowledgedAt) + PROMISED_RESOLUTION_DAYS * DAY;
    const dueAt = new Date(dueMs).toISOString();
    const commands: PromiseCommand[] = [
      {
        type: 'MakePromise',
        data: {
          promiseId,
          customerId,
          occurredAt: c.acknowledgedAt,
          agentId: c.agentId,
          queue: 'complaints',
          text: `Complaint ${complaintId} resolved within ${PROMISED_RESOLUTION_DAYS} days`,
          dueAt,
        },
      },
    ];
    const resolvedMs = c.resolvedAt === undefined ? undefined : Date.parse(c.resolvedAt);
    if (resolvedMs !== undefined && resolvedMs <= dueMs) {
      commands.push({
        type: 'FulfilPromise',
        data: { promiseId, occurredAt: c.resolvedAt as string, kept: true, recordedBy: c.agentId },
      });
    } else if (dueMs + HOUR < toMs) {
      commands.push({
        type: 'BreakOverduePromise',
        data: { promiseId, occurredAt: new Date(dueMs + HOUR).toISOString() },
      });
    }
    let state = promiseDecider.initialState();
    const decided: PromiseEvent[] = [];
    for (const command of commands) {
      for (const event of promiseDecider.decide(command, state)) {
        state = promiseDecider.evolve(state, event);
        decided.push(event);
      }
    }
    const events: SimulatedEvent[] = decided.map((event, i) => ({
      id: idFrom(`${c.ackId}:promise:${i}`),
      type: event.type,
      data: event.data,
      metadata: { schemaVersion: EVENT_SCHEMA_VERSIONS[event.type], actor: c.agentId },
    }));
    streams.push({ streamId: promiseStreamId(promiseId), events, commands: [] });
  }
  return streams;
}
