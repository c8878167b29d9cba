import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  FOLLOW_UP_KINDS,
  FOLLOW_UP_OUTCOMES,
  PLAYBOOK_ASSIGNEES,
  PLAYBOOK_TRIGGERS,
  PROMISE_BREAK_REASONS,
} from '@aftercare/domain';
import { CommandResultResponseDto } from '../write/dto/command-result.response.dto';

const NULLABLE_STRING = { type: String, nullable: true } as const;

/** Free text is personal data: plain for agents and admins, `{"redacted": true}` for others. */
const PERSONAL_TEXT = {
  oneOf: [
    { type: 'string' },
    {
      type: 'object',
      properties: { redacted: { type: 'boolean' }, erased: { type: 'boolean' } },
    },
  ],
  description: 'Personal data: text for callers who may read it, else {"redacted": true}',
};

export class PlaybookRefDto {
  @ApiProperty() playbookId!: string;
  @ApiProperty({ description: 'The playbook version that planned the task' }) version!: number;
  @ApiProperty({ description: 'Index of the playbook step' }) step!: number;
}

export class CauseRefDto {
  @ApiProperty({ description: 'Id of the event the task reacts to' }) eventId!: string;
  @ApiProperty({ example: 'DeliveryCompleted' }) eventType!: string;
  @ApiProperty({ example: 'customer-ada' }) streamId!: string;
  @ApiProperty({ example: '42', description: 'Global position of the cause event' })
  position!: string;
  @ApiProperty({ format: 'date-time' }) occurredAt!: string;
}

export class FollowUpTaskResponseDto {
  @ApiProperty() taskId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty({ enum: FOLLOW_UP_KINDS }) kind!: string;
  @ApiProperty({ example: 'Courtesy call after delivery: delivery d-1 of purchase p-1' })
  reason!: string;
  @ApiProperty({ enum: ['open', 'done'] }) status!: string;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty() queue!: string;
  @ApiProperty(NULLABLE_STRING) ownerId!: string | null;
  @ApiProperty({ description: 'The due time passed with the task open' }) overdue!: boolean;
  @ApiProperty(NULLABLE_STRING) overdueAt!: string | null;
  @ApiProperty() escalations!: number;
  @ApiProperty({ type: PlaybookRefDto }) playbook!: PlaybookRefDto;
  @ApiProperty({ type: CauseRefDto }) cause!: CauseRefDto;
  @ApiProperty({ enum: FOLLOW_UP_OUTCOMES, nullable: true }) outcome!: string | null;
  @ApiProperty(NULLABLE_STRING) completedBy!: string | null;
  @ApiProperty(NULLABLE_STRING) completedAt!: string | null;
  @ApiProperty({ type: Boolean, nullable: true, description: 'Completed after its due time' })
  late!: boolean | null;
  @ApiProperty({ ...PERSONAL_TEXT, nullable: true }) note!: string | null;
  @ApiProperty({ ...NULLABLE_STRING, description: 'The complaint an issue_found outcome opened' })
  complaintId!: string | null;
}

export class FollowUpTaskPageResponseDto {
  @ApiProperty({ type: FollowUpTaskResponseDto, isArray: true })
  items!: FollowUpTaskResponseDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}

export class PromiseResponseDto {
  @ApiProperty() promiseId!: string;
  @ApiProperty() customerId!: string;
  @ApiProperty() agentId!: string;
  @ApiProperty() queue!: string;
  @ApiProperty({ ...PERSONAL_TEXT, example: 'Technician on Tuesday' }) text!: string;
  @ApiProperty({ format: 'date-time' }) madeAt!: string;
  @ApiProperty({ format: 'date-time' }) dueAt!: string;
  @ApiProperty({ ...NULLABLE_STRING, description: 'The follow-up task it was made during' })
  taskId!: string | null;
  @ApiProperty({
    type: PlaybookRefDto,
    nullable: true,
    description: 'The playbook version that planned its task (null: made outside any task)',
  })
  playbook!: PlaybookRefDto | null;
  @ApiProperty({
    type: CauseRefDto,
    nullable: true,
    description: 'The event that caused its task (null: made outside any task)',
  })
  cause!: CauseRefDto | null;
  @ApiProperty({ enum: ['open', 'kept', 'broken'] }) status!: string;
  @ApiProperty(NULLABLE_STRING) settledAt!: string | null;
  @ApiProperty(NULLABLE_STRING) recordedBy!: string | null;
  @ApiProperty({ enum: PROMISE_BREAK_REASONS, nullable: true }) breakReason!: string | null;
  @ApiProperty({ ...PERSONAL_TEXT, nullable: true }) note!: string | null;
}

export class PromisePageResponseDto {
  @ApiProperty({ type: PromiseResponseDto, isArray: true }) items!: PromiseResponseDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}

export class KeptRateResponseDto {
  @ApiProperty({ description: 'The agent or the queue' }) key!: string;
  @ApiProperty() made!: number;
  @ApiProperty() kept!: number;
  @ApiProperty() broken!: number;
  @ApiProperty({ description: 'Broken by the due-time sweep: nobody recorded anything' })
  brokenOverdue!: number;
  @ApiProperty({ type: Number, nullable: true, description: 'kept / (kept + broken)' })
  keptRate!: number | null;
}

export class KeptRatePageResponseDto {
  @ApiProperty({ enum: ['agent', 'queue'] }) by!: string;
  @ApiProperty({ type: KeptRateResponseDto, isArray: true }) items!: KeptRateResponseDto[];
  @ApiProperty(NULLABLE_STRING) nextCursor!: string | null;
}

export class PlaybookStepResponseDto {
  @ApiProperty({ enum: FOLLOW_UP_KINDS }) kind!: string;
  @ApiProperty() dueAfterHours!: number;
  @ApiProperty({ enum: PLAYBOOK_ASSIGNEES }) assignee!: string;
  @ApiProperty() queue!: string;
  @ApiProperty(NULLABLE_STRING) escalateTo!: string | null;
  @ApiProperty() title!: string;
}

export class PlaybookDefinitionResponseDto {
  @ApiProperty({ enum: PLAYBOOK_TRIGGERS }) trigger!: string;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: PlaybookStepResponseDto, isArray: true })
  steps!: PlaybookStepResponseDto[];
}

export class PlaybookVersionResponseDto {
  @ApiProperty() version!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ format: 'date-time' }) publishedAt!: string;
  @ApiProperty(NULLABLE_STRING) publishedBy!: string | null;
  @ApiProperty({ description: 'Events after this position are planned with this version' })
  position!: string;
  @ApiProperty({ type: PlaybookDefinitionResponseDto })
  definition!: PlaybookDefinitionResponseDto;
}

export class PlaybookResponseDto {
  @ApiProperty() playbookId!: string;
  @ApiProperty() name!: string;
  @ApiProperty() latestVersion!: number;
  @ApiProperty({ type: PlaybookVersionResponseDto, isArray: true })
  versions!: PlaybookVersionResponseDto[];
}

/** `complaintId` (inherited) is set for issue_found: the complaint opened on the customer. */
export class TaskCompletionResponseDto extends CommandResultResponseDto {
  @ApiProperty() taskId!: string;
  @ApiPropertyOptional({ description: 'Why the complaint could not be opened (erased customer)' })
  complaintRefused?: string;
}

export class PromiseWriteResponseDto extends CommandResultResponseDto {
  @ApiProperty() promiseId!: string;
  @ApiPropertyOptional({ enum: ['open', 'kept', 'broken'] }) status?: string;
}

export class PlaybookWriteResponseDto extends CommandResultResponseDto {
  @ApiProperty() playbookId!: string;
}
