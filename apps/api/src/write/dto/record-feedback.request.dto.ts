import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, Max, Min } from 'class-validator';
import { CONTACT_CHANNELS, FEEDBACK_SCALES, type ContactChannel } from '@aftercare/domain';
import { IsEntityId, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

/** An optional whole-number score on one of the feedback scales. */
function IsScore(scale: { min: number; max: number }) {
  // Bottom-up, the order in which stacked decorators apply (it orders the validation messages).
  return applyDecorators(
    Max(scale.max),
    Min(scale.min),
    IsInt(),
    IsOptional(),
    ApiPropertyOptional({ minimum: scale.min, maximum: scale.max }),
  );
}

/** At least one of nps, csat, ces (the domain refuses feedback without a score). */
export class RecordFeedbackRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  feedbackId?: string;

  @IsScore(FEEDBACK_SCALES.nps)
  nps?: number;

  @IsScore(FEEDBACK_SCALES.csat)
  csat?: number;

  @IsScore(FEEDBACK_SCALES.ces)
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
