import { ApiProperty } from '@nestjs/swagger';
import { IsIn } from 'class-validator';
import { RETENTION_ACTIONS, type CurrencyCode, type RetentionAction } from '@aftercare/domain';
import { IsAmount, IsCurrency, IsEntityId } from './dto-validators';
import { OccurredAtRequestDto } from './occurred-at.request.dto';

/**
 * An action taken to keep the customer (the next best action, or an agent's own). No free text:
 * the action, what it cost and the task it closes are what the effect estimates read.
 */
export class RecordRetentionActionRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  actionId?: string;

  @ApiProperty({ enum: RETENTION_ACTIONS })
  @IsIn(RETENTION_ACTIONS)
  action!: RetentionAction;

  @IsAmount({ example: 15, description: 'What the action cost, in `currency`' })
  cost!: number;

  @IsCurrency()
  currency!: CurrencyCode;

  @IsEntityId({ required: false, description: 'The follow-up task the action was taken on' })
  taskId?: string;
}
