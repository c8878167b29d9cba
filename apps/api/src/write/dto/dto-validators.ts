import { applyDecorators, type Type as ClassType } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsDefined,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateBy,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { DEFAULT_HTTP_SETTINGS, type HttpSettings } from '@aftercare/application';
import { SUPPLIER_BATCH_MAX_LENGTH, SUPPLIER_BATCH_PATTERN } from '@aftercare/domain';

const INSTANT =
  /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(?:Z|([+-])(\d{2}):(\d{2}))$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** The most a single amount may be: far above any after-sales sum, still exact to the cent. */
export const MAX_AMOUNT = 1_000_000_000_000;

/** Scheduled instants (promised windows, policies in force from) may lie this far ahead. */
const SCHEDULE_HORIZON_MS = 10 * 366 * 86_400_000;

let businessTime = DEFAULT_HTTP_SETTINGS.businessTime;

/** The API sets the plausible window for business times once, from its settings, at start. */
export function configureBusinessTimeWindow(window: HttpSettings['businessTime']): void {
  businessTime = window;
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/**
 * Epoch milliseconds of a strict ISO 8601 instant (a real calendar date, hours 00-23, an offset),
 * or undefined. `T24:00`, `02-30` and offsets past ±23:59 are not instants.
 */
export function parseInstant(value: string): number | undefined {
  const match = INSTANT.exec(value);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s = '0', fraction = '', sign, oh = '0', om = '0'] = match;
  const [year, month, day, hour, minute, second] = [y, mo, d, h, mi, s].map(Number);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  if (hour > 23 || minute > 59 || second > 59 || Number(oh) > 23 || Number(om) > 59) {
    return undefined;
  }
  const offsetMinutes = (sign === '-' ? -1 : 1) * (Number(oh) * 60 + Number(om));
  const millis = Number(fraction.padEnd(3, '0').slice(0, 3));
  const local = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  // Date.UTC maps years 0-99 to 1900-1999; no instant we accept is that early.
  return year < 100 ? undefined : local - offsetMinutes * 60_000;
}

/** Epoch milliseconds of a calendar date (`YYYY-MM-DD`, midnight UTC) or a strict instant. */
export function parseInstantOrDate(value: string): number | undefined {
  const date = DATE.exec(value);
  if (!date) return parseInstant(value);
  const [year, month, day] = date.slice(1).map(Number);
  const valid = year >= 100 && month >= 1 && month <= 12 && day >= 1;
  return valid && day <= daysInMonth(year, month) ? Date.UTC(year, month - 1, day) : undefined;
}

type InstantWindow = 'business' | 'schedule';

/** Why a value is not an acceptable instant, or undefined when it is. */
function instantProblem(value: unknown, window: InstantWindow, now: number): string | undefined {
  if (typeof value !== 'string') return 'must be an ISO 8601 instant string';
  const ms = parseInstant(value);
  if (ms === undefined) {
    return 'must be an ISO 8601 instant with a time zone on a real calendar date, e.g. 2025-03-01T09:30:00Z';
  }
  if (ms < businessTime.notBeforeMs) {
    return `must not be before ${new Date(businessTime.notBeforeMs).toISOString()}`;
  }
  if (window === 'business' && ms > now + businessTime.maxAheadMs) {
    return `must not be more than ${businessTime.maxAheadMs / 3_600_000} h ahead of the server clock`;
  }
  if (window === 'schedule' && ms > now + SCHEDULE_HORIZON_MS) {
    return 'must not be more than 10 years ahead of the server clock';
  }
  return undefined;
}

/**
 * An instant. `business` (the default) is when something happened, so it must lie in the
 * plausible window (AFTERCARE_BUSINESS_TIME_*); `schedule` instants (promises, policies coming
 * into force) may lie up to 10 years ahead. `required: false` lets the API default it to the
 * request time. The clock is read here, at the edge, never in the domain.
 */
export function IsInstant(options: {
  required: boolean;
  description?: string;
  window?: InstantWindow;
}) {
  const window = options.window ?? 'business';
  const doc = {
    type: String,
    format: 'date-time',
    example: '2025-03-01T09:30:00Z',
    description: options.description,
  };
  return applyDecorators(
    ...(options.required ? [ApiProperty(doc)] : [ApiPropertyOptional(doc), IsOptional()]),
    ValidateBy({
      name: 'isInstant',
      validator: {
        validate: (value: unknown) => instantProblem(value, window, Date.now()) === undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} ${instantProblem(args?.value, window, Date.now()) ?? 'is invalid'}`,
      },
    }),
  );
}

/** A query parameter naming a day (`YYYY-MM-DD`) or an instant, validated like body instants. */
export function IsInstantOrDate(options: { description: string }) {
  return applyDecorators(
    ApiPropertyOptional({ type: String, example: '2025-03-01', description: options.description }),
    IsOptional(),
    ValidateBy({
      name: 'isInstantOrDate',
      validator: {
        validate: (value: unknown) =>
          typeof value === 'string' && parseInstantOrDate(value) !== undefined,
        defaultMessage: (args?: ValidationArguments) =>
          `${args?.property ?? 'value'} must be a date (YYYY-MM-DD) or an ISO 8601 instant with a time zone`,
      },
    }),
  );
}

/** An id chosen by the client (letters, digits, `_ . : -`; up to 100 characters). */
export function IsEntityId(options: { required: boolean; description?: string }) {
  const doc = {
    type: String,
    example: 'c0ffee00-0000-4000-8000-000000000001',
    maxLength: 100,
    pattern: ID.source,
    ...options,
  };
  return applyDecorators(
    ...(options.required ? [ApiProperty(doc)] : [ApiPropertyOptional(doc), IsOptional()]),
    IsString(),
    Length(1, 100),
    Matches(ID, { message: '$property may hold letters, digits, _ . : and - only' }),
  );
}

/** A supplier batch (lot) code: SUPPLIER_BATCH_PATTERN, up to 32 characters. */
export function IsSupplierBatch() {
  return applyDecorators(
    ApiPropertyOptional({
      type: String,
      example: '2024H1-A',
      maxLength: SUPPLIER_BATCH_MAX_LENGTH,
      pattern: SUPPLIER_BATCH_PATTERN.source,
      description:
        "The supplier's batch (lot) the unit came from, where known: the defect report's batch breakdown",
    }),
    IsOptional(),
    IsString(),
    Matches(SUPPLIER_BATCH_PATTERN, {
      message: `$property must be 1-${SUPPLIER_BATCH_MAX_LENGTH} letters, digits, . _ or -, starting with a letter or digit`,
    }),
  );
}

export function IsText(options: { required: boolean; max?: number; description?: string }) {
  const doc = {
    type: String,
    description: options.description,
    minLength: options.required ? 1 : 0,
    maxLength: options.max ?? 2000,
  };
  return applyDecorators(
    ...(options.required ? [ApiProperty(doc)] : [ApiPropertyOptional(doc), IsOptional()]),
    IsString(),
    Length(options.required ? 1 : 0, options.max ?? 2000),
  );
}

export function IsCurrency() {
  return applyDecorators(
    ApiProperty({
      type: String,
      example: 'EUR',
      description: 'ISO 4217 code',
      pattern: '^[A-Z]{3}$',
    }),
    IsString(),
    Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 code such as EUR' }),
  );
}

/** Whole cents, finite, 0 to MAX_AMOUNT: `1e-300` has more than two decimals, `1e308` is too much. */
function isAmount(value: unknown): boolean {
  return (
    typeof value === 'number' &&
    Number.isFinite(value) &&
    value >= 0 &&
    value <= MAX_AMOUNT &&
    Math.round(value * 100) / 100 === value
  );
}

/** The check alone, for amounts whose presence depends on another field. */
export function IsAmountValue() {
  return ValidateBy({
    name: 'isAmount',
    validator: {
      validate: isAmount,
      defaultMessage: (args?: ValidationArguments) =>
        `${args?.property ?? 'value'} must be an amount from 0 to ${MAX_AMOUNT} with at most two decimals`,
    },
  });
}

/** A sum of money: 0 to MAX_AMOUNT, at most two decimals. */
export function IsAmount(doc: { example: number; description?: string; required?: boolean }) {
  const schema = {
    type: Number,
    example: doc.example,
    minimum: 0,
    maximum: MAX_AMOUNT,
    multipleOf: 0.01,
    description: doc.description,
  };
  return applyDecorators(
    ...(doc.required === false
      ? [ApiPropertyOptional(schema), IsOptional()]
      : [ApiProperty(schema)]),
    IsAmountValue(),
  );
}

/**
 * A nested object validated by its own class. Without `IsDefined`/`IsObject`, class-validator
 * skips a missing nested object and lets an array through, and the handler then reads fields of
 * `undefined`.
 */
export function IsNestedObject(type: () => ClassType<unknown>, options: { required: boolean }) {
  return applyDecorators(
    ...(options.required
      ? [ApiProperty({ type }), IsDefined()]
      : [ApiPropertyOptional({ type }), IsOptional()]),
    IsObject(),
    ValidateNested(),
    Type(type),
  );
}

/**
 * An array of objects, each validated by its own class. `ValidateNested({ each: true })` alone
 * lets an item that is itself an array through unchecked (`steps: [[]]`), and the handler then
 * reads fields of an array.
 */
export function IsNestedArray(type: () => ClassType<unknown>, options: { maxItems: number }) {
  return applyDecorators(
    ApiProperty({ type, isArray: true, maxItems: options.maxItems }),
    IsArray(),
    ArrayMaxSize(options.maxItems),
    IsObject({ each: true }),
    ValidateNested({ each: true }),
    Type(type),
  );
}
