/** Time units and number helpers shared by the simulated customer's journeys. */

export const DAY = 86_400_000;
export const HOUR = 3_600_000;

export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
export const clamp = (x: number, min: number, max: number): number =>
  x < min ? min : x > max ? max : x;

/** ISO instant of a simulation time; commands at one instant share the string. */
let lastIsoMs = Number.NaN;
let lastIso = '';
export function iso(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}
