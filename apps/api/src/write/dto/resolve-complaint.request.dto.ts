import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { COMPLAINT_REMEDIES, type ComplaintRemedy } from '@aftercare/domain';
import { IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class ResolveComplaintRequestDto extends OccurredAtRequestDto {
  @IsText({ required: true })
  resolution!: string;

  @ApiProperty({ enum: COMPLAINT_REMEDIES })
  @IsIn(COMPLAINT_REMEDIES)
  remedyGiven!: ComplaintRemedy;
}
