import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsOptional,
  IsString,
  Length,
  Matches,
  ValidateIf,
} from 'class-validator';

/** Caps that keep one stream's filter cheap for the store (a huge one fails inside it). */
export const MAX_STREAM_CATEGORIES = 20;
export const MAX_STREAM_TYPES = 50;
const NAME = /^[A-Za-z0-9][A-Za-z0-9_.:-]*$/;

/** `?type=A&type=B` and `?type=A,B` both mean two prefixes. */
const toList = ({ value }: { value: unknown }): unknown =>
  value === undefined
    ? undefined
    : (Array.isArray(value) ? value : [value]).flatMap((v) =>
        typeof v === 'string' ? v.split(',').filter((s) => s !== '') : [v],
      );

export class EventStreamQueryDto {
  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_STREAM_CATEGORIES,
    description: 'Stream categories, e.g. customer, warranty, signal',
  })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(MAX_STREAM_CATEGORIES)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @Matches(NAME, { each: true, message: 'each category may hold letters, digits, _ . : - only' })
  category?: string[];

  @ApiPropertyOptional({
    type: [String],
    maxItems: MAX_STREAM_TYPES,
    description: 'Event type prefixes, e.g. Complaint',
  })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @ArrayMaxSize(MAX_STREAM_TYPES)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  @Matches(NAME, { each: true, message: 'each type may hold letters, digits, _ . : - only' })
  type?: string[];

  @ApiPropertyOptional({ description: 'Only events of this customer', maxLength: 100 })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  @Matches(NAME, { message: 'customerId may hold letters, digits, _ . : - only' })
  customerId?: string;

  @ApiPropertyOptional({
    type: String,
    pattern: '^(start|end|\\d{1,19})$',
    description:
      "Resume after this global position; 'start' (default) for all history, 'end' for live events only. The Last-Event-ID header takes precedence.",
  })
  @ValidateIf((query: EventStreamQueryDto) => query.from !== undefined)
  @IsString()
  @Matches(/^(start|end|\d{1,19})$/, {
    message: "from must be 'start', 'end' or a global position",
  })
  from?: string;
}
