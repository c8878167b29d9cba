import { canonicalInstantMs, dayNumber, formatDayNumber } from './calendar';

describe('calendar', () => {
  it('reads calendar-valid dates as days since 1970-01-01, as Date.parse does', () => {
    for (const date of ['1970-01-01', '1997-09-30', '2000-02-29', '2024-12-31', '1600-03-01']) {
      expect(dayNumber(date)).toBe(Date.parse(date) / 86_400_000);
      expect(formatDayNumber(dayNumber(date) ?? NaN)).toBe(date);
    }
  });

  it('rejects dates that are not on the calendar or not written YYYY-MM-DD', () => {
    for (const date of [
      '2026-02-30',
      '1900-02-29',
      '2026-13-01',
      '2026-1-01',
      '20260101',
      'abcd-ef-gh',
    ]) {
      expect(dayNumber(date)).toBeUndefined();
    }
  });

  it('reads canonical instants to the millisecond and nothing else', () => {
    for (const iso of [
      '2026-10-01T10:00:00Z',
      '2024-02-29T23:59:59.999Z',
      '1970-01-01T00:00:00.000Z',
    ]) {
      expect(canonicalInstantMs(iso)).toBe(Date.parse(iso));
    }
    for (const iso of [
      '2026-02-30T00:00:00Z',
      '2026-10-01T24:00:00Z',
      '2026-10-01T10:00:00+01:00',
      '2026-10-01T10:00:00.5Z',
    ]) {
      expect(canonicalInstantMs(iso)).toBeUndefined();
    }
  });
});
