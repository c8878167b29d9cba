import type { AftercareEvent } from '@aftercare/domain';
import { isAftercareEventType, toIso, upcast } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import { canonicalInstantMs, DAY_MS } from '@aftercare/analytics';

export { DAY_MS };

/**
 * Reads a stored event as the domain union so a `switch` over `type` narrows `data`. Unknown
 * types (written by a newer version) are skipped rather than guessed at. FeedbackReceived v1
 * carried a single `score`, the NPS; it is upcast here (by the domain's upcaster) in case the
 * store hands over events without upcasting them.
 */
export function asAftercareEvent(event: RecordedEvent): AftercareEvent | undefined {
  if (!isAftercareEventType(event.type)) return undefined;
  if (event.type === 'FeedbackReceived') {
    const data = event.data as Record<string, unknown>;
    if (data.nps === undefined && typeof data.score === 'number') {
      return { type: 'FeedbackReceived', data: upcast(event.type, 1, data).data } as AftercareEvent;
    }
  }
  // The recorded event itself has the shape of the union (type and data): no copy per call.
  return event as unknown as AftercareEvent;
}

/** The customer an event is about (every customer and warranty claim event names one). */
export function customerIdOf(event: RecordedEvent): string | undefined {
  const data = event.data as { customerId?: unknown } | null;
  return data && typeof data.customerId === 'string' ? data.customerId : undefined;
}

/** Business time of an event, from its data. */
export function occurredAtOf(event: RecordedEvent): string | undefined {
  const data = event.data as { occurredAt?: unknown } | null;
  return data && typeof data.occurredAt === 'string' ? data.occurredAt : undefined;
}

/**
 * Milliseconds since the epoch of an ISO 8601 instant, as `Date.parse` gives them. The format
 * every event is written in (`YYYY-MM-DDTHH:MM:SS[.sss]Z`, a valid calendar date) is read
 * digit by digit; anything else goes through `Date.parse`.
 */
export function ms(iso: string): number {
  const fast = canonicalInstantMs(iso);
  return fast === undefined ? Date.parse(iso) : fast;
}

/** Calendar day (UTC) of an instant: YYYY-MM-DD. */
export function dayOf(iso: string): string {
  return canonicalInstantMs(iso) === undefined
    ? new Date(Date.parse(iso)).toISOString().slice(0, 10)
    : iso.slice(0, 10);
}

/** Calendar month (UTC) of an instant: YYYY-MM. */
export function monthOf(iso: string): string {
  return canonicalInstantMs(iso) === undefined
    ? new Date(Date.parse(iso)).toISOString().slice(0, 7)
    : iso.slice(0, 7);
}

/** The earlier / later of two instants, either possibly null. */
export function earliest(a: string | null, b: string): string {
  return a === null || ms(b) < ms(a) ? b : a;
}

export function latest(a: string | null, b: string): string {
  return a === null || ms(b) >= ms(a) ? b : a;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function addTo(record: Record<string, number>, key: string, amount: number): void {
  record[key] = round2((record[key] ?? 0) + amount);
}

/** An instant as ISO-8601 UTC with milliseconds, so a column of them orders and compares as text. */
export function utcInstant(at: string): string {
  const ms = Date.parse(at);
  return Number.isNaN(ms) ? at : toIso(ms);
}
