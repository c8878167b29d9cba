import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import {
  CHURN_BAND_VALUES,
  CUSTOMER_SORTS,
  type CustomerSort,
  MAX_NBA_BUDGET,
  SORT_ORDERS,
} from '@aftercare/application';
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

  @ApiPropertyOptional({
    description: 'Customers of this segment (as registered)',
    example: 'consumer',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  segment?: string;

  @ApiPropertyOptional({
    description: 'Customers of this country (ISO 3166-1 alpha-2)',
    example: 'DE',
  })
  @IsOptional()
  @Matches(/^[A-Z]{2}$/, { message: 'country must be an ISO 3166-1 alpha-2 code, e.g. DE' })
  country?: string;

  @ApiPropertyOptional({
    description:
      'Customers scored in this currency (their main one): ranks amounts of one currency',
    example: 'EUR',
  })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be an ISO 4217 code, e.g. EUR' })
  currency?: string;

  @ApiPropertyOptional({
    description: 'Customers who bought this SKU or a product of this category',
    example: 'tv',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  product?: string;

  @IsInstantOrDate({
    description: 'Last interaction before this instant (a date means its start, UTC)',
  })
  lastInteractionBefore?: string;

  @IsInstantOrDate({
    description: 'Last interaction at or after this instant (a date means its start, UTC)',
  })
  lastInteractionAfter?: string;

  @ApiPropertyOptional({
    enum: CUSTOMER_SORTS,
    default: 'clv',
    description:
      'clv, churnRisk (churn: the same), valueAtRisk (churn probability x CLV), lastInteraction, lastPurchase, revenue, id. Customers without the figure come last descending, first ascending',
  })
  @IsOptional()
  @IsIn(CUSTOMER_SORTS)
  sort?: CustomerSort;

  @ApiPropertyOptional({ enum: SORT_ORDERS, description: 'Defaults to desc (asc for id)' })
  @IsOptional()
  @IsIn(SORT_ORDERS)
  order?: (typeof SORT_ORDERS)[number];
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

export const DEFECT_BREAKDOWNS = ['defect', 'batch'] as const;
export type DefectBreakdown = (typeof DEFECT_BREAKDOWNS)[number];

export class DefectsQueryDto extends AsOfQueryDto {
  @ApiPropertyOptional({ description: 'Only this SKU', example: 'TV-55-OLED' })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'sku must be 1-64 letters, digits, . _ or -' })
  sku?: string;

  @ApiPropertyOptional({
    enum: DEFECT_BREAKDOWNS,
    default: 'defect',
    description:
      "'batch' adds, under each defect code, its rate by supplier batch with each batch judged " +
      'against the other batches of the SKU at the same unit age (docs/defects.md)',
  })
  @IsOptional()
  @IsIn(DEFECT_BREAKDOWNS)
  by?: DefectBreakdown;
}

export class NextActionsQueryDto {
  @ApiProperty({
    minimum: 1,
    maximum: MAX_NBA_BUDGET,
    example: 50,
    description: 'How many customers can be acted on: the best this many actions',
  })
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(MAX_NBA_BUDGET)
  budget!: number;
}

export class CustomerNextActionsQueryDto {
  @IsInstantOrDate({
    description:
      'Business time the actions are for (a date, meaning its end, or an instant); default now',
  })
  at?: string;
}
