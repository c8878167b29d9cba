import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import {
  IsAmount,
  IsInstant,
  configureBusinessTimeWindow,
  parseInstant,
  parseInstantOrDate,
} from './dto-validators';
import { DEFAULT_HTTP_SETTINGS } from '@aftercare/application';

class Probe {
  @IsInstant({ required: true })
  occurredAt!: string;

  @IsInstant({ required: false, window: 'schedule' })
  promisedTo?: string;

  @IsAmount({ example: 1 })
  price!: number;
}

const problems = (body: object): string[] =>
  validateSync(plainToInstance(Probe, body)).flatMap((e) => Object.values(e.constraints ?? {}));

describe('strict instants', () => {
  afterEach(() => configureBusinessTimeWindow(DEFAULT_HTTP_SETTINGS.businessTime));

  it.each([
    ['2026-02-28T23:59:59Z', Date.UTC(2026, 1, 28, 23, 59, 59)],
    ['2024-02-29T00:00Z', Date.UTC(2024, 1, 29)],
    ['2025-03-01T10:30:00.123456+01:30', Date.UTC(2025, 2, 1, 9, 0, 0, 123)],
    ['2025-03-01T00:00:00-05:00', Date.UTC(2025, 2, 1, 5)],
  ])('reads %s as the instant it names', (text, ms) => {
    expect(parseInstant(text)).toBe(ms);
  });

  it.each([
    '2026-02-30T00:00:00Z',
    '2025-02-29T00:00:00Z',
    '2025-04-31T00:00:00Z',
    '2025-13-01T00:00:00Z',
    '2025-01-01T24:00Z',
    '2025-01-01T23:60:00Z',
    '2025-01-01T23:59:60Z',
    '2025-01-01T10:00:00',
    '2025-01-01T10:00:00+24:00',
    '2025-01-01',
    '2025-1-01T10:00:00Z',
    ' 2025-01-01T10:00:00Z',
  ])('refuses %s', (text) => {
    expect(parseInstant(text)).toBeUndefined();
  });

  it('accepts business times from 1970 up to a day ahead of the clock, and no further', () => {
    const price = 1;
    const inAnHour = new Date(Date.now() + 3_600_000).toISOString();
    const inTwoDays = new Date(Date.now() + 2 * 86_400_000).toISOString();
    expect(problems({ occurredAt: inAnHour, price })).toEqual([]);
    expect(problems({ occurredAt: '1970-01-01T00:00:00Z', price })).toEqual([]);
    expect(problems({ occurredAt: inTwoDays, price })).toEqual([
      'occurredAt must not be more than 24 h ahead of the server clock',
    ]);
    expect(problems({ occurredAt: '1969-12-31T23:59:59Z', price })).toEqual([
      'occurredAt must not be before 1970-01-01T00:00:00.000Z',
    ]);
    expect(problems({ occurredAt: '9999-12-31T00:00:00Z', price })).toHaveLength(1);
  });

  it('lets scheduled instants lie ahead, within ten years', () => {
    const occurredAt = '2025-01-01T00:00:00Z';
    const nextMonth = new Date(Date.now() + 30 * 86_400_000).toISOString();
    expect(problems({ occurredAt, promisedTo: nextMonth, price: 1 })).toEqual([]);
    expect(problems({ occurredAt, promisedTo: '9999-01-01T00:00:00Z', price: 1 })).toEqual([
      'promisedTo must not be more than 10 years ahead of the server clock',
    ]);
  });

  it('follows the configured window', () => {
    configureBusinessTimeWindow({ notBeforeMs: Date.UTC(2000, 0, 1), maxAheadMs: 0 });
    expect(problems({ occurredAt: '1999-12-31T00:00:00Z', price: 1 })).toEqual([
      'occurredAt must not be before 2000-01-01T00:00:00.000Z',
    ]);
    const inAMinute = new Date(Date.now() + 60_000).toISOString();
    expect(problems({ occurredAt: inAMinute, price: 1 })).toHaveLength(1);
  });
});

describe('amounts', () => {
  const occurredAt = '2025-01-01T00:00:00Z';
  it.each([0, 0.01, 19.99, 899, 1e12])('accepts %p', (price) => {
    expect(problems({ occurredAt, price })).toEqual([]);
  });
  it.each([1e-300, 0.001, -1, 1e308, 1e12 + 1, Number.NaN, '12', null])('refuses %p', (price) => {
    expect(problems({ occurredAt, price })).toEqual([
      'price must be an amount from 0 to 1000000000000 with at most two decimals',
    ]);
  });
});

describe('query dates', () => {
  it.each([
    ['2025-03-01', Date.UTC(2025, 2, 1)],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2025-03-01T10:00:00+01:00', Date.UTC(2025, 2, 1, 9)],
  ])('reads %s', (text, ms) => {
    expect(parseInstantOrDate(text)).toBe(ms);
  });

  it.each(['2025-02-29', '2024-13-01', '2025-03', 'yesterday', '2025-03-01T10:00'])(
    'refuses %s',
    (text) => {
      expect(parseInstantOrDate(text)).toBeUndefined();
    },
  );
});
