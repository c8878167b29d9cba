import { ApiProperty } from '@nestjs/swagger';
import { IsIn, IsNumber, Min } from 'class-validator';
import { RETURN_OUTCOMES, type ReturnOutcome } from '@aftercare/domain';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class CompleteReturnRequestDto extends OccurredAtRequestDto {
  @ApiProperty({ enum: RETURN_OUTCOMES })
  @IsIn(RETURN_OUTCOMES)
  outcome!: ReturnOutcome;

  @ApiProperty({ example: 499.99, minimum: 0, description: '0 for an exchange' })
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 2 })
  @Min(0)
  refundAmount!: number;
}
