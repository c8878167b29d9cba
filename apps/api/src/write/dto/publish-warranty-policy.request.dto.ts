import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsObject,
  IsOptional,
  Max,
  Min,
  ValidateBy,
  ValidateIf,
} from 'class-validator';
import {
  EXCLUDABLE_CAUSES,
  WARRANTY_REMEDIES,
  type ExcludableCause,
  type WarrantyRemedy,
} from '@aftercare/domain';
import { IsEntityId, IsInstant, IsNestedArray, IsNestedObject, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

const MAX_MONTHS = 600;
const MAX_CATEGORIES = 200;

function isMonthsByCategory(value: unknown): boolean {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entries = Object.entries(value);
  return (
    entries.length <= MAX_CATEGORIES &&
    entries.every(
      ([category, months]) =>
        category.length >= 1 &&
        category.length <= 100 &&
        Number.isInteger(months) &&
        (months as number) >= 0 &&
        (months as number) <= MAX_MONTHS,
    )
  );
}

export class CoverageMonthsDto {
  @ApiProperty({ example: 24, minimum: 0, maximum: MAX_MONTHS })
  @IsInt()
  @Min(0)
  @Max(MAX_MONTHS)
  default!: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0, maximum: MAX_MONTHS },
    maxProperties: MAX_CATEGORIES,
    example: { tv: 36 },
    description: 'Months by product category (PurchaseRecorded.productCategory)',
  })
  @IsOptional()
  @IsObject()
  @ValidateBy({
    name: 'isMonthsByCategory',
    validator: {
      validate: isMonthsByCategory,
      defaultMessage: () =>
        `byCategory must map at most ${MAX_CATEGORIES} categories (1 to 100 characters) to whole months from 0 to ${MAX_MONTHS}`,
    },
  })
  byCategory?: Record<string, number>;
}

export class RemedyRuleDto {
  @ApiProperty({ example: 30, minimum: 0, maximum: 36_500 })
  @IsInt()
  @Min(0)
  @Max(36_500)
  maxAgeDays!: number;

  @ApiProperty({ enum: WARRANTY_REMEDIES })
  @IsIn(WARRANTY_REMEDIES)
  remedy!: WarrantyRemedy;
}

export class WarrantyPolicyTermsDto {
  @IsNestedObject(() => CoverageMonthsDto, { required: true })
  coverageMonths!: CoverageMonthsDto;

  @ApiProperty({ enum: EXCLUDABLE_CAUSES, isArray: true, maxItems: 20 })
  @IsArray()
  @ArrayMaxSize(20)
  @IsIn(EXCLUDABLE_CAUSES, { each: true })
  exclusions!: ExcludableCause[];

  @ApiProperty()
  @IsBoolean()
  requireProofOfPurchase!: boolean;

  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 1000,
    description: 'Earlier claims on a serial from which a new one goes to review; null disables',
  })
  @ValidateIf((terms: WarrantyPolicyTermsDto) => terms.repeatClaimThreshold !== null)
  @IsInt()
  @Min(1)
  @Max(1000)
  repeatClaimThreshold!: number | null;

  @IsNestedArray(() => RemedyRuleDto, { maxItems: 50 })
  remedyRules!: RemedyRuleDto[];

  @ApiProperty({ enum: WARRANTY_REMEDIES })
  @IsIn(WARRANTY_REMEDIES)
  defaultRemedy!: WarrantyRemedy;

  @ApiProperty({ example: 1, minimum: 0, maximum: 1 })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(1)
  maxCoveredAmountRatio!: number;
}

export class PublishWarrantyPolicyRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  policyId?: string;

  @ApiPropertyOptional({
    minimum: 1,
    maximum: 1_000_000,
    description: 'The version to publish (previous + 1); defaults to the next version',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1_000_000)
  version?: number;

  @IsInstant({
    required: true,
    window: 'schedule',
    description: 'From this instant the version is in force',
  })
  effectiveFrom!: string;

  @IsText({ required: true, max: 200 })
  name!: string;

  @IsNestedObject(() => WarrantyPolicyTermsDto, { required: true })
  terms!: WarrantyPolicyTermsDto;

  @IsText({ required: false, max: 200 })
  publishedBy?: string;
}
