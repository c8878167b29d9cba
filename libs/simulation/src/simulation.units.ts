/** Time units and number helpers shared by the simulated customer's journeys. */

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
export const clamp = (x: number, min: number, max: number): number =>
  x < min ? min : x > max ? max : x;

/** Two-digit forms of 0..99, for the time of day. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, n) => String(n).padStart(2, '0'));

let lastIsoMs = Number.NaN;
let lastIso = '';
/** 'YYYY-MM-DDT' by day number: a customer's life hops between days, and a period has few. */
const dayPrefixes = new Map<number, string>();

/**
 * ISO instant of a simulation time, as `new Date(ms).toISOString()` writes it. Commands at one
 * instant share the string; the date part is kept per day and the time of day written from
 * digits (toISOString on every call was a few percent of a seed).
 */
export function iso(ms: number): string {
  if (ms === lastIsoMs) return lastIso;
  if (!Number.isInteger(ms)) return new Date(ms).toISOString();
  const day = Math.floor(ms / DAY);
  let dayPrefix = dayPrefixes.get(day);
  if (dayPrefix === undefined) {
    const midnight = new Date(day * DAY).toISOString();
    dayPrefix = midnight.slice(0, midnight.indexOf('T') + 1);
    dayPrefixes.set(day, dayPrefix);
  }
  const inDay = ms - day * DAY;
  const millis = inDay % 1000;
  const seconds = Math.floor(inDay / 1000);
  lastIsoMs = ms;
  lastIso =
    `${dayPrefix}${TWO_DIGITS[Math.floor(seconds / 3600)]}:` +
    `${TWO_DIGITS[Math.floor(seconds / 60) % 60]}:${TWO_DIGITS[seconds % 60]}.` +
    `${millis < 10 ? '00' : millis < 100 ? '0' : ''}${millis}Z`;
  return lastIso;
}
