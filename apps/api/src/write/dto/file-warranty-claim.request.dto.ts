import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import {
  DEFECT_CAUSES,
  WARRANTY_REMEDIES,
  type DefectCause,
  type WarrantyRemedy,
} from '@aftercare/domain';
import { IsAmount, IsEntityId, IsInstant, IsNestedObject, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class DefectDto {
  @IsText({
    required: true,
    max: 100,
    description: "Product team's defect code, e.g. E42-NO-POWER",
  })
  code!: string;

  @IsText({ required: true })
  description!: string;
}

export class ClaimEvidenceDto {
  @ApiProperty()
  @IsBoolean()
  proofOfPurchase!: boolean;

  @ApiPropertyOptional({ type: String, isArray: true, description: 'Photo ids or URLs' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(2000, { each: true })
  photos?: string[];

  @IsText({ required: false })
  notes?: string;
}

export class FileWarrantyClaimRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  claimId?: string;

  @IsEntityId({ required: true })
  customerId!: string;

  @IsEntityId({ required: true })
  purchaseId!: string;

  @IsText({ required: false, max: 100, description: "Defaults to the purchase's serial" })
  serialNumber?: string;

  @IsInstant({
    required: true,
    description:
      'When the defect became apparent: decides the legal guarantee and the presumption period',
  })
  noticedAt!: string;

  @IsNestedObject(() => DefectDto, { required: true })
  defect!: DefectDto;

  @IsText({ required: true, description: 'What the customer observes, in their words' })
  symptom!: string;

  @ApiPropertyOptional({
    enum: DEFECT_CAUSES,
    description: "The customer's guess; the cause is established by an assessment",
  })
  @IsOptional()
  @IsIn(DEFECT_CAUSES)
  suspectedCause?: DefectCause;

  @IsNestedObject(() => ClaimEvidenceDto, { required: true })
  evidence!: ClaimEvidenceDto;

  @IsAmount({ example: 180, required: false, description: 'What the claimant asks to be covered' })
  claimedAmount?: number;

  @ApiPropertyOptional({
    enum: WARRANTY_REMEDIES,
    description:
      'The consumer chooses repair or replacement; price reduction or refund as the law allows',
  })
  @IsOptional()
  @IsIn(WARRANTY_REMEDIES)
  remedyRequested?: WarrantyRemedy;

  @ApiPropertyOptional({
    example: 'GB-SCT',
    description:
      'ISO 3166-2 part of the country where its law differs by part (GB-ENG, GB-WLS, GB-SCT, GB-NIR); GB without it is taken as England and Wales',
  })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Z]{2}-[A-Z0-9]{1,3}$/, {
    message: '$property must be an ISO 3166-2 code such as GB-SCT',
  })
  region?: string;
}
