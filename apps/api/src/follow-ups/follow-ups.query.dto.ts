import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, Matches } from 'class-validator';
import type { TaskListStatus } from '@aftercare/application';
import { PageQueryDto } from '../read/read-query.dto';
import { IsInstant } from '../write/dto/dto-validators';

const ID = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}$/;
const ID_MESSAGE = '$property may hold letters, digits, _ . : and - only (1 to 100)';

export class TaskListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @Matches(ID, { message: ID_MESSAGE }) queue?: string;
  @ApiPropertyOptional({ description: 'The agent who owns the task' })
  @IsOptional()
  @Matches(ID, { message: ID_MESSAGE })
  owner?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID, { message: ID_MESSAGE }) customer?: string;
  @IsInstant({ required: false, window: 'schedule', description: 'Due strictly before' })
  due_before?: string;
  @ApiPropertyOptional({
    enum: ['open', 'done', 'overdue'],
    description: 'overdue: open and past its due time',
  })
  @IsOptional()
  @IsIn(['open', 'done', 'overdue'])
  status?: TaskListStatus;
}

export class PromiseListQueryDto extends PageQueryDto {
  @ApiPropertyOptional() @IsOptional() @Matches(ID, { message: ID_MESSAGE }) agent?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID, { message: ID_MESSAGE }) queue?: string;
  @ApiPropertyOptional() @IsOptional() @Matches(ID, { message: ID_MESSAGE }) customer?: string;
  @IsInstant({ required: false, window: 'schedule', description: 'Due strictly before' })
  due_before?: string;
  @ApiPropertyOptional({ enum: ['open', 'kept', 'broken'] })
  @IsOptional()
  @IsIn(['open', 'kept', 'broken'])
  status?: 'open' | 'kept' | 'broken';
}

export class KeptRateQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: ['agent', 'queue'], default: 'agent' })
  @IsOptional()
  @IsIn(['agent', 'queue'])
  by?: 'agent' | 'queue';
}

/** The paging and due-time part every worklist query shares, as the queries take it. */
export function listWindow(query: PageQueryDto & { due_before?: string }): {
  dueBefore?: string;
  limit: number;
  after?: string;
} {
  return {
    // One form (UTC, milliseconds) to compare with the stored due times.
    ...(query.due_before !== undefined
      ? { dueBefore: new Date(query.due_before).toISOString() }
      : {}),
    limit: query.limit ?? 50,
    ...(query.cursor !== undefined ? { after: query.cursor } : {}),
  };
}
