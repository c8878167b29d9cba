import { DomainError } from './domain-error';
import type { IsoDateTime } from './domain-event';

/** Date arithmetic on caller-supplied instants. Never reads the clock. */

const DAY_MS = 86_400_000;
// ISO 8601 date-time with an explicit offset or Z, as the API accepts it.
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;

export function toMillis(iso: IsoDateTime, field = 'occurredAt'): number {
  const ms = ISO_INSTANT.test(iso) ? Date.parse(iso) : Number.NaN;
  if (Number.isNaN(ms)) {
    throw new DomainError('invalid_timestamp', `${field} is not an ISO 8601 instant: '${iso}'`, {
      field,
      value: iso,
    });
  }
  return ms;
}

export function toIso(ms: number): IsoDateTime {
  return new Date(ms).toISOString();
}

/** Calendar months in UTC; the day is clamped to the month's end (31 Jan + 1 month = 28/29 Feb). */
export function addMonths(iso: IsoDateTime, months: number): IsoDateTime {
  const d = new Date(toMillis(iso));
  const targetMonth = d.getUTCMonth() + months;
  const year = d.getUTCFullYear() + Math.floor(targetMonth / 12);
  const month = ((targetMonth % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(d.getUTCDate(), lastDay);
  return toIso(
    Date.UTC(
      year,
      month,
      day,
      d.getUTCHours(),
      d.getUTCMinutes(),
      d.getUTCSeconds(),
      d.getUTCMilliseconds(),
    ),
  );
}

export function addDays(iso: IsoDateTime, days: number): IsoDateTime {
  return toIso(toMillis(iso) + days * DAY_MS);
}

/** Whole days from `from` to `to` (floored; negative if `to` is earlier). */
export function daysBetween(from: IsoDateTime, to: IsoDateTime): number {
  return Math.floor((toMillis(to) - toMillis(from)) / DAY_MS);
}

export function isBefore(a: IsoDateTime, b: IsoDateTime): boolean {
  return toMillis(a) < toMillis(b);
}

export function isAfter(a: IsoDateTime, b: IsoDateTime): boolean {
  return toMillis(a) > toMillis(b);
}
