import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_REMEDIES,
  COMPLAINT_SEVERITIES,
  CONTACT_CHANNELS,
  type ComplaintCategory,
  type ComplaintRemedy,
  type ComplaintSeverity,
  type ContactChannel,
} from '@aftercare/domain';
import { IsEntityId, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class FileComplaintRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  complaintId?: string;

  @IsEntityId({ required: false, description: 'The purchase complained about, if one' })
  purchaseId?: string;

  @ApiProperty({ enum: COMPLAINT_CATEGORIES })
  @IsIn(COMPLAINT_CATEGORIES)
  category!: ComplaintCategory;

  @ApiProperty({ enum: COMPLAINT_SEVERITIES })
  @IsIn(COMPLAINT_SEVERITIES)
  severity!: ComplaintSeverity;

  @ApiProperty({ enum: CONTACT_CHANNELS })
  @IsIn(CONTACT_CHANNELS)
  channel!: ContactChannel;

  @ApiProperty({ enum: COMPLAINT_REMEDIES })
  @IsIn(COMPLAINT_REMEDIES)
  remedySought!: ComplaintRemedy;

  @IsText({ required: false })
  description?: string;
}
