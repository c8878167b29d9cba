import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsInt, IsNumber, IsOptional, Max, Min } from 'class-validator';
import {
  COMPLAINT_CATEGORIES,
  COMPLAINT_SEVERITIES,
  type ComplaintCategory,
  type ComplaintSeverity,
  FOLLOW_UP_KINDS,
  FOLLOW_UP_OUTCOMES,
  type FollowUpKind,
  type FollowUpOutcome,
  PLAYBOOK_ASSIGNEES,
  PLAYBOOK_TRIGGERS,
  type PlaybookAssignee,
  type PlaybookTrigger,
} from '@aftercare/domain';
import {
  IsEntityId,
  IsInstant,
  IsNestedArray,
  IsNestedObject,
  IsText,
} from '../write/dto/dto-validators';
import { OccurredAtRequestDto } from '../write/dto/occurred-at.request.dto';

/** What the complaint an `issue_found` outcome opens says. */
export class FoundIssueRequestDto {
  @ApiPropertyOptional({ enum: COMPLAINT_CATEGORIES, default: 'other' })
  @IsOptional()
  @IsIn(COMPLAINT_CATEGORIES)
  category?: ComplaintCategory;

  @ApiPropertyOptional({ enum: COMPLAINT_SEVERITIES, default: 'medium' })
  @IsOptional()
  @IsIn(COMPLAINT_SEVERITIES)
  severity?: ComplaintSeverity;

  @IsText({ required: false })
  description?: string;
}

export class CompleteTaskRequestDto extends OccurredAtRequestDto {
  @ApiProperty({
    enum: FOLLOW_UP_OUTCOMES,
    description: '`issue_found` opens a complaint on the customer, naming the task',
  })
  @IsIn(FOLLOW_UP_OUTCOMES)
  outcome!: FollowUpOutcome;

  @IsEntityId({ required: false, description: 'Who did it; defaults to the caller' })
  completedBy?: string;

  @IsText({ required: false })
  note?: string;

  @IsNestedObject(() => FoundIssueRequestDto, { required: false })
  issue?: FoundIssueRequestDto;
}

export class MakePromiseRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: false, description: 'Generated when absent' })
  promiseId?: string;

  @IsText({ required: true, max: 500, description: 'What was promised, as the customer heard it' })
  text!: string;

  @IsInstant({ required: true, window: 'schedule', description: 'When it is due' })
  dueAt!: string;

  @IsEntityId({ required: false, description: 'The agent who promised; defaults to the caller' })
  agentId?: string;

  @IsEntityId({ required: true, description: 'The queue answerable for it' })
  queue!: string;

  @IsEntityId({ required: false, description: 'The follow-up task it was made during' })
  taskId?: string;
}

export class FulfilPromiseRequestDto extends OccurredAtRequestDto {
  @ApiProperty({ description: 'true: kept; false: broken' })
  @IsBoolean()
  kept!: boolean;

  @IsEntityId({ required: false, description: 'Who records it; defaults to the caller' })
  recordedBy?: string;

  @IsText({ required: false })
  note?: string;
}

export class PlaybookStepRequestDto {
  @ApiProperty({ enum: FOLLOW_UP_KINDS })
  @IsIn(FOLLOW_UP_KINDS)
  kind!: FollowUpKind;

  @ApiProperty({ minimum: 0, maximum: 8784, description: 'Hours after the cause event' })
  @IsNumber({ allowNaN: false, allowInfinity: false })
  @Min(0)
  @Max(8784)
  dueAfterHours!: number;

  @ApiProperty({ enum: PLAYBOOK_ASSIGNEES })
  @IsIn(PLAYBOOK_ASSIGNEES)
  assignee!: PlaybookAssignee;

  @IsEntityId({ required: true, description: 'The queue (and the fallback of account_owner)' })
  queue!: string;

  @IsEntityId({ required: false, description: 'Where an overdue task moves; none keeps it' })
  escalateTo?: string;

  @IsText({ required: true, max: 200 })
  title!: string;
}

export class PublishPlaybookRequestDto extends OccurredAtRequestDto {
  @IsEntityId({ required: true })
  playbookId!: string;

  @ApiPropertyOptional({ description: 'Defaults to the next version' })
  @IsOptional()
  @IsInt()
  @Min(1)
  version?: number;

  @IsText({ required: true, max: 200 })
  name!: string;

  @ApiProperty({ enum: PLAYBOOK_TRIGGERS })
  @IsIn(PLAYBOOK_TRIGGERS)
  trigger!: PlaybookTrigger;

  @ApiPropertyOptional({ default: true, description: 'false switches the playbook off' })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsNestedArray(() => PlaybookStepRequestDto, { maxItems: 10 })
  steps!: PlaybookStepRequestDto[];
}
