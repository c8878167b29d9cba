import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { RETURN_OUTCOMES, type ReturnOutcome } from '@aftercare/domain';
import { IsAmount } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class CompleteReturnRequestDto extends OccurredAtRequestDto {
  @ApiProperty({ enum: RETURN_OUTCOMES })
  @IsIn(RETURN_OUTCOMES)
  outcome!: ReturnOutcome;

  @IsAmount({ example: 499.99, description: '0 for an exchange' })
  refundAmount!: number;
}
