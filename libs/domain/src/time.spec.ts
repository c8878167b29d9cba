import { addMonths, addMonthsToMillis, toIso, toMillis } from './time';

describe('toIso', () => {
  it('writes every instant as Date#toISOString does', () => {
    const edges = [
      0,
      -1,
      1,
      Date.UTC(2024, 1, 29, 23, 59, 59, 999), // a leap day's last millisecond
      Date.UTC(2000, 1, 29),
      Date.UTC(1900, 1, 28, 12),
      Date.UTC(2100, 2, 1),
      Date.UTC(1969, 11, 31, 23, 59, 59, 999),
      Date.UTC(1600, 0, 1),
      -62_167_219_200_000, // 0000-01-01T00:00:00.000Z
      253_402_300_799_999, // 9999-12-31T23:59:59.999Z
      Date.UTC(999, 5, 7, 8, 9, 10, 11),
      Date.UTC(99, 5, 7) - Date.UTC(99, 0, 1), // Date.UTC maps 99 to 1999: any instant will do
    ];
    // A fixed pseudo-random walk over 0000-9999, so a failure names the same instants every run.
    let seed = 42;
    const next = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648);
    const span = 253_402_300_799_999 + 62_167_219_200_000;
    const sampled = Array.from(
      { length: 20_000 },
      () => -62_167_219_200_000 + Math.floor((next() / 2_147_483_648) * span),
    );
    for (const ms of [...edges, ...sampled]) {
      expect([ms, toIso(ms)]).toEqual([ms, new Date(ms).toISOString()]);
    }
  });

  it('leaves six-digit years and fractions of a millisecond to Date, and rejects what Date rejects', () => {
    expect(toIso(253_402_300_800_000)).toBe('+010000-01-01T00:00:00.000Z');
    expect(toIso(-62_167_219_200_001)).toBe('-000001-12-31T23:59:59.999Z');
    expect(toIso(1.5)).toBe(new Date(1.5).toISOString());
    expect(() => toIso(Number.NaN)).toThrow(RangeError);
    expect(() => toIso(8.64e15 + 1)).toThrow(RangeError);
  });
});

describe('addMonths', () => {
  it('clamps the day to the end of the month it lands in', () => {
    expect(addMonths('2023-01-31T10:00:00Z', 1)).toBe('2023-02-28T10:00:00.000Z');
    expect(addMonths('2024-01-31T10:00:00Z', 1)).toBe('2024-02-29T10:00:00.000Z');
    expect(addMonths('2024-02-29T00:00:00.250Z', 12)).toBe('2025-02-28T00:00:00.250Z');
    expect(addMonths('2024-03-31T23:30:00+02:00', 24)).toBe('2026-03-31T21:30:00.000Z');
    expect(addMonths('2024-05-15T00:00:00Z', -6)).toBe('2023-11-15T00:00:00.000Z');
  });

  it('is addMonthsToMillis on the instant', () => {
    const start = '2025-08-31T06:07:08.009Z';
    for (const months of [0, 1, 6, 18, 24, -1]) {
      expect(addMonths(start, months)).toBe(
        new Date(addMonthsToMillis(toMillis(start), months)).toISOString(),
      );
    }
  });

  it('refuses what is not an ISO 8601 instant', () => {
    expect(() => addMonths('2025-08-31', 1)).toThrow(/not an ISO 8601 instant/);
  });
});
