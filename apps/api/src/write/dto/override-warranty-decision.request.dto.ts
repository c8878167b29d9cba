import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, ValidateIf } from 'class-validator';
import {
  OVERRIDE_OUTCOMES,
  WARRANTY_REMEDIES,
  type OverrideOutcome,
  type WarrantyRemedy,
} from '@aftercare/domain';
import { IsAmountValue, IsEntityId, IsText, MAX_AMOUNT } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class OverrideWarrantyDecisionRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: true, description: 'The agent who decides' })
  agentId!: string;

  @IsText({ required: true })
  justification!: string;

  @ApiProperty({ enum: OVERRIDE_OUTCOMES })
  @IsIn(OVERRIDE_OUTCOMES)
  outcome!: OverrideOutcome;

  @ApiPropertyOptional({
    enum: WARRANTY_REMEDIES,
    description: "Required when outcome is 'approved'",
  })
  @ValidateIf((body: OverrideWarrantyDecisionRequestDto) => body.outcome === 'approved')
  @IsIn(WARRANTY_REMEDIES)
  remedy?: WarrantyRemedy;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: MAX_AMOUNT,
    description: "Required when outcome is 'approved'",
  })
  @ValidateIf(
    (body: OverrideWarrantyDecisionRequestDto) =>
      body.outcome === 'approved' || body.coveredAmount !== undefined,
  )
  @IsAmountValue()
  coveredAmount?: number;
}
