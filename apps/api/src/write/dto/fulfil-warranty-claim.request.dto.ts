import { IsText } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

export class FulfilWarrantyClaimRequestDto extends OccurredAtRequestDto {
  @IsText({
    required: false,
    max: 200,
    description: 'Repair id, replacement order or refund reference',
  })
  reference?: string;
}
