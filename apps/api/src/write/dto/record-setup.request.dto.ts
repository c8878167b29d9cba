import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsString, Length, ValidateIf } from 'class-validator';
import { IsEntityId } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export const SETUP_OUTCOMES = ['completed', 'failed'] as const;

export class RecordSetupRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: true })
  purchaseId!: string;

  @ApiProperty({ enum: SETUP_OUTCOMES })
  @IsIn(SETUP_OUTCOMES)
  outcome!: (typeof SETUP_OUTCOMES)[number];

  @ApiPropertyOptional({ description: "Required when outcome is 'failed'" })
  @ValidateIf(
    (body: RecordSetupRequestDto) => body.outcome === 'failed' || body.reason !== undefined,
  )
  @IsString()
  @Length(1, 2000)
  reason?: string;
}
