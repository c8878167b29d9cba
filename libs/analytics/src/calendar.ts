/**
 * Calendar arithmetic on the proleptic Gregorian calendar, read digit by digit: the RFM summary
 * counts days between purchase dates and the projections read every event's instant, both often
 * enough (millions of events) that `Date.parse` and its allocations show in profiles.
 */

export const DAY_MS = 86_400_000;

/** Days since 1970-01-01 of a valid YYYY-MM-DD, otherwise undefined. */
export function dayNumber(date: string): number | undefined {
  if (date.length !== 10 || date.charCodeAt(4) !== DASH || date.charCodeAt(7) !== DASH) {
    return undefined;
  }
  return civilDay(digits(date, 0, 4), digits(date, 5, 2), digits(date, 8, 2));
}

/** The last instant read and its value: the projections read each event's instant in turn. */
let lastInstant = '';
let lastInstantMs: number | undefined;

/**
 * Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.sss]Z` with every field in range (so
 * `toISOString` would give the same text back); undefined for any other string.
 */
export function canonicalInstantMs(s: string): number | undefined {
  if (s !== lastInstant) {
    lastInstantMs = readInstantMs(s);
    lastInstant = s;
  }
  return lastInstantMs;
}

function readInstantMs(s: string): number | undefined {
  const length = s.length;
  if (length !== 20 && length !== 24) return undefined;
  if (
    s.charCodeAt(4) !== DASH ||
    s.charCodeAt(7) !== DASH ||
    s.charCodeAt(10) !== 84 /* T */ ||
    s.charCodeAt(13) !== COLON ||
    s.charCodeAt(16) !== COLON ||
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
  const day = civilDay(digits(s, 0, 4), digits(s, 5, 2), digits(s, 8, 2));
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (day === undefined || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  return day * DAY_MS + hour * 3_600_000 + minute * 60_000 + second * 1000 + millis;
}

/** YYYY-MM-DD for a day number (days since 1970-01-01); H. Hinnant's civil_from_days. */
export function formatDayNumber(days: number): string {
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

const DASH = 45;
const COLON = 58;

/** The day number of a calendar-valid date (negative fields mean "not digits"). */
function civilDay(year: number, month: number, day: number): number | undefined {
  if (year < 0 || month < 1 || month > 12 || day < 1) return undefined;
  if (day > daysInMonth(year, month)) return undefined;
  return daysFromCivil(year, month, day);
}

/** The number read from `count` decimal digits at `from`, or -1 if any is not a digit. */
function digits(s: string, from: number, count: number): number {
  let value = 0;
  for (let i = from; i < from + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (!(d >= 0 && d <= 9)) return -1;
    value = value * 10 + d;
  }
  return value;
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
