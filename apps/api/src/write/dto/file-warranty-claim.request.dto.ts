import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsOptional,
  IsString,
  MaxLength,
} from 'class-validator';
import {
  DEFECT_CAUSES,
  WARRANTY_REMEDIES,
  type DefectCause,
  type WarrantyRemedy,
} from '@aftercare/domain';
import { IsAmount, IsEntityId, IsNestedObject, IsText } from './dto-validators';
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

  @ApiProperty({ enum: DEFECT_CAUSES })
  @IsIn(DEFECT_CAUSES)
  cause!: DefectCause;
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

  @IsNestedObject(() => DefectDto, { required: true })
  defect!: DefectDto;

  @IsNestedObject(() => ClaimEvidenceDto, { required: true })
  evidence!: ClaimEvidenceDto;

  @IsAmount({ example: 899, required: false })
  claimedAmount?: number;

  @ApiPropertyOptional({ enum: WARRANTY_REMEDIES })
  @IsOptional()
  @IsIn(WARRANTY_REMEDIES)
  remedyRequested?: WarrantyRemedy;
}
