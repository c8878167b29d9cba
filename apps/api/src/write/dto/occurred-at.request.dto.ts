import { IsInstant } from './dto-validators';

/** Bodies that carry nothing but an optional business time. */
export class OccurredAtRequestDto {
  @IsInstant({ required: false, description: 'Business time; defaults to the request time' })
  occurredAt?: string;
}
