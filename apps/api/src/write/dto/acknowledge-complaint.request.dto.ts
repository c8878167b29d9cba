import { IsEntityId } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class AcknowledgeComplaintRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'The agent who acknowledged' })
  agentId?: string;
}
