import fc from 'fast-check';
import { DAY, iso } from './simulation.units';

describe('iso', () => {
  it('writes every instant as toISOString does, in any order of calls', () => {
    const instant = fc.oneof(
      fc.integer({ min: -8.64e15, max: 8.64e15 }),
      // Around the simulated years, where consecutive calls share a day.
      fc.integer({ min: Date.parse('2020-01-01'), max: Date.parse('2026-01-01') }),
      fc.double({ min: -1e13, max: 1e13, noNaN: true }),
    );
    fc.assert(
      fc.property(fc.array(instant, { minLength: 1, maxLength: 20 }), (instants) => {
        for (const ms of instants) expect(iso(ms)).toBe(new Date(ms).toISOString());
      }),
      { numRuns: 500 },
    );
  });

  it('keeps days apart: the last millisecond of one, the first of the next', () => {
    const midnight = Date.parse('2024-02-29T00:00:00.000Z');
    for (const ms of [midnight - 1, midnight, midnight + DAY - 1, midnight + DAY, -1, 0]) {
      expect(iso(ms)).toBe(new Date(ms).toISOString());
    }
  });
});
