import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { CONTACT_CHANNELS, type ContactChannel } from '@aftercare/domain';
import { IsEntityId } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class RecordReferralRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  referralId?: string;

  @IsEntityId({ required: true })
  referredCustomerId!: string;

  @ApiPropertyOptional({ enum: CONTACT_CHANNELS })
  @IsOptional()
  @IsIn(CONTACT_CHANNELS)
  channel?: ContactChannel;
}
