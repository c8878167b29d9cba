import { IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

/** Escalating or reopening a complaint: why. */
export class ReasonRequestDto extends OccurredAtRequestDto {
  @IsText({ required: true })
  reason!: string;
}
