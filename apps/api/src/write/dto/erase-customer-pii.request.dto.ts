import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export const ERASURE_REQUESTERS = ['customer', 'operator'] as const;

export class EraseCustomerPiiRequestDto extends OccurredAtRequestDto {
  @ApiPropertyOptional({ enum: ERASURE_REQUESTERS, default: 'customer' })
  @IsOptional()
  @IsIn(ERASURE_REQUESTERS)
  requestedBy?: (typeof ERASURE_REQUESTERS)[number];

  @IsText({ required: false })
  reason?: string;
}
