import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsOptional } from 'class-validator';
import {
  ASSESSED_CAUSES,
  ASSESSMENT_METHODS,
  type AssessedCause,
  type AssessmentMethod,
} from '@aftercare/domain';
import { IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

/** The cause as someone who examined the product established it. */
export class AssessWarrantyClaimRequestDto extends OccurredAtRequestDto {
  @ApiProperty({
    enum: ASSESSED_CAUSES,
    description: '`manufacturing`: a lack of conformity present at delivery',
  })
  @IsIn(ASSESSED_CAUSES)
  cause!: AssessedCause;

  @IsText({ required: true, max: 100, description: 'Who assessed the product' })
  assessedBy!: string;

  @ApiProperty({ enum: ASSESSMENT_METHODS })
  @IsIn(ASSESSMENT_METHODS)
  method!: AssessmentMethod;

  @IsText({ required: false })
  notes?: string;

  @ApiPropertyOptional({
    description: 'A serious lack of conformity opens price reduction or a refund at once (EU)',
  })
  @IsOptional()
  @IsBoolean()
  serious?: boolean;
}
