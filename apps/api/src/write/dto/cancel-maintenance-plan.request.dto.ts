import { IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class CancelMaintenancePlanRequestDto extends OccurredAtRequestDto {
  @IsText({ required: false })
  reason?: string;
}
