import { IsEntityId, IsInstant } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class ScheduleDeliveryRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  deliveryId?: string;

  @IsEntityId({ required: true })
  purchaseId!: string;

  @IsInstant({ required: true, window: 'schedule', description: 'Start of the promised window' })
  promisedFrom!: string;

  @IsInstant({ required: true, window: 'schedule', description: 'End of the promised window' })
  promisedTo!: string;
}
