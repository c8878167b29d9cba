import { ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CHURN_BAND_VALUES, CUSTOMER_SORTS, type CustomerSort } from '@aftercare/application';
import type { ChurnBand } from '@aftercare/analytics';
import type { SatisfactionLevel } from '@aftercare/projections';
import { IsInstantOrDate } from '../write/dto/dto-validators';

const SATISFACTION_LEVELS: readonly SatisfactionLevel[] = [
  'delighted',
  'satisfied',
  'neutral',
  'at_risk',
  'dissatisfied',
];

const toInt = ({ value }: { value: unknown }): unknown =>
  typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value;

export { endOfDayIfDate } from '@aftercare/application';

export class CustomerProfileQueryDto {
  @IsInstantOrDate({
    description:
      'Business time (a date, meaning its end, or an instant): the customer as things had happened by then',
  })
  asOf?: string;

  @IsInstantOrDate({
    description: 'Record time (a date or an instant): the customer as we knew them then',
  })
  knownAt?: string;
}

export class PageQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: 'nextCursor of the previous page' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9_-]+$/, { message: 'cursor is not a cursor this API issued' })
  cursor?: string;
}

export class CustomerListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: CHURN_BAND_VALUES })
  @IsOptional()
  @IsIn(CHURN_BAND_VALUES)
  churnBand?: ChurnBand;

  @ApiPropertyOptional({ enum: SATISFACTION_LEVELS })
  @IsOptional()
  @IsIn(SATISFACTION_LEVELS)
  satisfaction?: SatisfactionLevel;

  @ApiPropertyOptional({ enum: CUSTOMER_SORTS, default: 'clv' })
  @IsOptional()
  @IsIn(CUSTOMER_SORTS)
  sort?: CustomerSort;
}

export class MonthRangeQueryDto {
  @ApiPropertyOptional({ description: 'First month, YYYY-MM' })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'from must be a month, YYYY-MM' })
  from?: string;

  @ApiPropertyOptional({ description: 'Last month, YYYY-MM' })
  @IsOptional()
  @Matches(/^\d{4}-(0[1-9]|1[0-2])$/, { message: 'to must be a month, YYYY-MM' })
  to?: string;
}

export class AsOfQueryDto {
  @IsInstantOrDate({ description: 'Report date (a date or an instant); defaults to now' })
  asOf?: string;
}
