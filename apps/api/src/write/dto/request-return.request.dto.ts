import { IsEntityId, IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class RequestReturnRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  returnId?: string;

  @IsEntityId({ required: true })
  purchaseId!: string;

  @IsText({ required: true })
  reason!: string;
}
