/**
 * A calendar date given as an upper bound means the end of that day (UTC): "as of 2025-03-01"
 * and "--to 2025-03-01" include what happened on the 1st. A full instant is taken as it is.
 */
export function endOfDayIfDate(value: string): string {
  return /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T23:59:59.999Z` : value;
}

/** Inclusive [from, to] bounds in epoch milliseconds; a missing bound is open. */
export function timeWindow(from?: string, to?: string): { from: number; to: number } {
  return {
    from: from === undefined ? -Infinity : Date.parse(from),
    to: to === undefined ? Infinity : Date.parse(endOfDayIfDate(to)),
  };
}
