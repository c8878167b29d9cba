import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CONTACT_CHANNELS, FEEDBACK_SCALES, type ContactChannel } from '@aftercare/domain';
import { IsEntityId, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

/** At least one of nps, csat, ces (the domain refuses feedback without a score). */
export class RecordFeedbackRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  feedbackId?: string;

  @ApiPropertyOptional({ minimum: FEEDBACK_SCALES.nps.min, maximum: FEEDBACK_SCALES.nps.max })
  @IsOptional()
  @IsInt()
  @Min(FEEDBACK_SCALES.nps.min)
  @Max(FEEDBACK_SCALES.nps.max)
  nps?: number;

  @ApiPropertyOptional({ minimum: FEEDBACK_SCALES.csat.min, maximum: FEEDBACK_SCALES.csat.max })
  @IsOptional()
  @IsInt()
  @Min(FEEDBACK_SCALES.csat.min)
  @Max(FEEDBACK_SCALES.csat.max)
  csat?: number;

  @ApiPropertyOptional({ minimum: FEEDBACK_SCALES.ces.min, maximum: FEEDBACK_SCALES.ces.max })
  @IsOptional()
  @IsInt()
  @Min(FEEDBACK_SCALES.ces.min)
  @Max(FEEDBACK_SCALES.ces.max)
  ces?: number;

  @IsText({ required: false })
  comment?: string;

  @IsEntityId({ required: false })
  purchaseId?: string;

  @IsEntityId({ required: false })
  complaintId?: string;

  @ApiPropertyOptional({ enum: CONTACT_CHANNELS })
  @IsOptional()
  @IsIn(CONTACT_CHANNELS)
  channel?: ContactChannel;
}
