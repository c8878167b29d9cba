import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNumber, IsOptional, IsString, Length, Matches, Min } from 'class-validator';

/** What the domain accepts as an instant: ISO 8601 with a time zone (Z or ±hh:mm). */
export const ISO_INSTANT =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** A business instant; `required: false` lets the API default it to the request time. */
export function IsInstant(options: { required: boolean; description?: string }) {
  const doc = {
    type: String,
    format: 'date-time',
    example: '2025-03-01T09:30:00Z',
    description: options.description,
  };
  return applyDecorators(
    ...(options.required ? [ApiProperty(doc)] : [ApiPropertyOptional(doc), IsOptional()]),
    IsString(),
    Matches(ISO_INSTANT, {
      message: '$property must be an ISO 8601 instant with a time zone, e.g. 2025-03-01T09:30:00Z',
    }),
  );
}

/** An id chosen by the client (letters, digits, `_ . : -`; up to 100 characters). */
export function IsEntityId(options: { required: boolean; description?: string }) {
  const doc = { type: String, example: 'c0ffee00-0000-4000-8000-000000000001', ...options };
  return applyDecorators(
    ...(options.required ? [ApiProperty(doc)] : [ApiPropertyOptional(doc), IsOptional()]),
    IsString(),
    Length(1, 100),
    Matches(ID, { message: '$property may hold letters, digits, _ . : and - only' }),
  );
}

export function IsText(options: { required: boolean; max?: number; description?: string }) {
  const doc = { type: String, description: options.description, maxLength: options.max ?? 2000 };
  return applyDecorators(
    ...(options.required ? [ApiProperty(doc)] : [ApiPropertyOptional(doc), IsOptional()]),
    IsString(),
    Length(options.required ? 1 : 0, options.max ?? 2000),
  );
}

export function IsCurrency() {
  return applyDecorators(
    ApiProperty({ type: String, example: 'EUR', description: 'ISO 4217 code' }),
    IsString(),
    Matches(/^[A-Z]{3}$/, { message: '$property must be an ISO 4217 code such as EUR' }),
  );
}

/** A sum of money: 0 or more, at most two decimals. */
export function IsAmount(doc: { example: number; description?: string }) {
  // Bottom-up, the order in which stacked decorators apply (it orders the validation messages).
  return applyDecorators(
    Min(0),
    IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 }),
    ApiProperty({ example: doc.example, minimum: 0, description: doc.description }),
  );
}
