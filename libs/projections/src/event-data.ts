import type { AftercareEvent } from '@aftercare/domain';
import { isAftercareEventType } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';

/**
 * Reads a stored event as the domain union so a `switch` over `type` narrows `data`. Unknown
 * types (written by a newer version) are skipped rather than guessed at. FeedbackReceived v1
 * carried a single `score`, the NPS; it is read as `nps` here in case the store hands over
 * events without upcasting them.
 */
export function asAftercareEvent(event: RecordedEvent): AftercareEvent | undefined {
  if (!isAftercareEventType(event.type)) return undefined;
  if (event.type === 'FeedbackReceived') {
    const data = event.data as Record<string, unknown>;
    if (data.nps === undefined && typeof data.score === 'number') {
      const { score, ...rest } = data;
      return { type: 'FeedbackReceived', data: { ...rest, nps: score } } as AftercareEvent;
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

export const DAY_MS = 86_400_000;

/**
 * Milliseconds since the epoch of an ISO 8601 instant, as `Date.parse` gives them. The format
 * every event is written in (`YYYY-MM-DDTHH:MM:SS[.sss]Z`, a valid calendar date) is read
 * digit by digit; anything else goes through `Date.parse`.
 */
export function ms(iso: string): number {
  const fast = canonicalMs(iso);
  return fast === undefined ? Date.parse(iso) : fast;
}

/** Calendar day (UTC) of an instant: YYYY-MM-DD. */
export function dayOf(iso: string): string {
  return canonicalMs(iso) === undefined
    ? new Date(Date.parse(iso)).toISOString().slice(0, 10)
    : iso.slice(0, 10);
}

/** Calendar month (UTC) of an instant: YYYY-MM. */
export function monthOf(iso: string): string {
  return canonicalMs(iso) === undefined
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

const ZERO = 48;

function digits(s: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - ZERO;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/**
 * The instant of `YYYY-MM-DDTHH:MM:SS[.sss]Z` with every field in range (so `toISOString` would
 * give the same date and time back); undefined for any other string.
 */
function canonicalMs(s: string): number | undefined {
  const length = s.length;
  if (length !== 20 && length !== 24) return undefined;
  if (
    s.charCodeAt(4) !== 45 /* - */ ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 /* T */ ||
    s.charCodeAt(13) !== 58 /* : */ ||
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(length - 1) !== 90 /* Z */
  ) {
    return undefined;
  }
  let millis = 0;
  if (length === 24) {
    if (s.charCodeAt(19) !== 46 /* . */) return undefined;
    millis = digits(s, 20, 3);
    if (millis < 0) return undefined;
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    millis
  );
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

export function round2(value: number): number {
  return Math.round(value * 100) / 100;
}

export function addTo(record: Record<string, number>, key: string, amount: number): void {
  record[key] = round2((record[key] ?? 0) + amount);
}
