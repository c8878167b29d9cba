import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, ValidateIf } from 'class-validator';
import {
  REFUSABLE_REMEDIES,
  REFUSAL_GROUNDS,
  type RefusableRemedy,
  type RefusalGround,
} from '@aftercare/domain';
import { IsAmountValue, IsText, MAX_AMOUNT } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

/** A cost figure: optional, but required when the refusal says the remedy is disproportionate. */
function CostFigure(description: string, field: 'costOfRefusedRemedy' | 'costOfAlternative') {
  return applyDecorators(
    IsAmountValue(),
    ValidateIf(
      (o: RefuseWarrantyRemedyRequestDto) =>
        o.ground === 'disproportionate' || o[field] !== undefined,
    ),
    ApiPropertyOptional({ minimum: 0, maximum: MAX_AMOUNT, description }),
  );
}

/** The seller refuses the chosen remedy as impossible or disproportionate, with its figures. */
export class RefuseWarrantyRemedyRequestDto extends OccurredAtRequestDto {
  @ApiProperty({ enum: REFUSABLE_REMEDIES })
  @IsIn(REFUSABLE_REMEDIES)
  remedy!: RefusableRemedy;

  @ApiProperty({ enum: REFUSAL_GROUNDS })
  @IsIn(REFUSAL_GROUNDS)
  ground!: RefusalGround;

  @IsText({ required: true, description: 'Why the remedy is impossible or disproportionate' })
  reason!: string;

  @IsText({ required: true, max: 100, description: 'Who refused, for the seller' })
  refusedBy!: string;

  @CostFigure(
    'What the refused remedy would cost (required when disproportionate)',
    'costOfRefusedRemedy',
  )
  costOfRefusedRemedy?: number;

  @CostFigure(
    'What the other remedy would cost (required when disproportionate)',
    'costOfAlternative',
  )
  costOfAlternative?: number;
}
