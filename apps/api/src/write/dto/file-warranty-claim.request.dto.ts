import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsNumber,
  IsOptional,
  IsString,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  DEFECT_CAUSES,
  WARRANTY_REMEDIES,
  type DefectCause,
  type WarrantyRemedy,
} from '@aftercare/domain';
import { IsEntityId, IsText } from './dto-validators';
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

  @ApiProperty({ type: DefectDto })
  @ValidateNested()
  @Type(() => DefectDto)
  defect!: DefectDto;

  @ApiProperty({ type: ClaimEvidenceDto })
  @ValidateNested()
  @Type(() => ClaimEvidenceDto)
  evidence!: ClaimEvidenceDto;

  @ApiPropertyOptional({ minimum: 0 })
  @IsOptional()
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0)
  claimedAmount?: number;

  @ApiPropertyOptional({ enum: WARRANTY_REMEDIES })
  @IsOptional()
  @IsIn(WARRANTY_REMEDIES)
  remedyRequested?: WarrantyRemedy;
}
