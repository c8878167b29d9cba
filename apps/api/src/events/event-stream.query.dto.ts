import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsArray, IsOptional, IsString, Matches, MinLength } from 'class-validator';

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
    description: 'Stream categories, e.g. customer, warranty, signal',
  })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  category?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Event type prefixes, e.g. Complaint' })
  @IsOptional()
  @Transform(toList)
  @IsArray()
  @IsString({ each: true })
  @MinLength(1, { each: true })
  type?: string[];

  @ApiPropertyOptional({ description: 'Only events of this customer' })
  @IsOptional()
  @IsString()
  @MinLength(1)
  customerId?: string;

  @ApiPropertyOptional({
    description:
      "Resume after this global position; 'start' (default) for all history, 'end' for live events only. The Last-Event-ID header takes precedence.",
  })
  @IsOptional()
  @Matches(/^(start|end|\d+)$/, { message: "from must be 'start', 'end' or a global position" })
  from?: string;
}
