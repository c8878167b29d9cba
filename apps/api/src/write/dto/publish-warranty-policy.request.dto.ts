import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
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
  ValidateIf,
  ValidateNested,
} from 'class-validator';
import {
  EXCLUDABLE_CAUSES,
  WARRANTY_REMEDIES,
  type ExcludableCause,
  type WarrantyRemedy,
} from '@aftercare/domain';
import { IsEntityId, IsInstant, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class CoverageMonthsDto {
  @ApiProperty({ example: 24, minimum: 0 })
  @IsInt()
  @Min(0)
  @Max(600)
  default!: number;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { type: 'integer', minimum: 0 },
    example: { tv: 36 },
    description: 'Months by product category (PurchaseRecorded.productCategory)',
  })
  @IsOptional()
  @IsObject()
  byCategory?: Record<string, number>;
}

export class RemedyRuleDto {
  @ApiProperty({ example: 30, minimum: 0 })
  @IsInt()
  @Min(0)
  maxAgeDays!: number;

  @ApiProperty({ enum: WARRANTY_REMEDIES })
  @IsIn(WARRANTY_REMEDIES)
  remedy!: WarrantyRemedy;
}

export class WarrantyPolicyTermsDto {
  @ApiProperty({ type: CoverageMonthsDto })
  @ValidateNested()
  @Type(() => CoverageMonthsDto)
  coverageMonths!: CoverageMonthsDto;

  @ApiProperty({ enum: EXCLUDABLE_CAUSES, isArray: true })
  @IsArray()
  @IsIn(EXCLUDABLE_CAUSES, { each: true })
  exclusions!: ExcludableCause[];

  @ApiProperty()
  @IsBoolean()
  requireProofOfPurchase!: boolean;

  @ApiProperty({
    type: Number,
    nullable: true,
    minimum: 1,
    description: 'Earlier claims on a serial from which a new one goes to review; null disables',
  })
  @ValidateIf((terms: WarrantyPolicyTermsDto) => terms.repeatClaimThreshold !== null)
  @IsInt()
  @Min(1)
  repeatClaimThreshold!: number | null;

  @ApiProperty({ type: RemedyRuleDto, isArray: true })
  @IsArray()
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  @Type(() => RemedyRuleDto)
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
    description: 'The version to publish (previous + 1); defaults to the next version',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @IsInstant({ required: true, description: 'From this instant the version is in force' })
  effectiveFrom!: string;

  @IsText({ required: true, max: 200 })
  name!: string;

  @ApiProperty({ type: WarrantyPolicyTermsDto })
  @ValidateNested()
  @Type(() => WarrantyPolicyTermsDto)
  terms!: WarrantyPolicyTermsDto;

  @IsText({ required: false, max: 200 })
  publishedBy?: string;
}
