import { Body, Controller, Get, NotFoundException, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type CommandContext,
  FollowUpQueries,
  FollowUpTaskCommandEnvelope,
  type FollowUpTaskResult,
  Roles,
} from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { EntityIdPipe } from '../write/entity-id.pipe';
import { WriteContext } from '../write/write-context.decorator';
import { WriteDocs } from '../write/write-docs.decorator';
import { occurredAt, writeResponse, type WriteHttpResponse } from '../write/write-response';
import { listWindow, TaskListQueryDto } from './follow-ups.query.dto';
import { CompleteTaskRequestDto } from './follow-ups.request.dto';
import {
  FollowUpTaskPageResponseDto,
  FollowUpTaskResponseDto,
  TaskCompletionResponseDto,
} from './follow-ups.response.dto';
import { ReadModelRoute } from '../read/read-model-route.decorator';

/** Whom to call and why: the follow-up tasks playbooks planned, and their completion. */
@ApiTags('follow-ups')
@Controller('v1/tasks')
export class TasksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queries: FollowUpQueries,
  ) {}

  @Get()
  @ReadModelRoute()
  @Roles('agent', 'analyst', 'auditor')
  @ApiOperation({
    summary: 'Follow-up tasks by queue, owner, due time and status, due soonest first',
  })
  @ApiOkResponse({ type: FollowUpTaskPageResponseDto })
  @ApiProblems(400, ...COMMON_PROBLEMS)
  list(@Query() query: TaskListQueryDto) {
    return this.queries.tasks({
      ...(query.queue !== undefined ? { queue: query.queue } : {}),
      ...(query.owner !== undefined ? { owner: query.owner } : {}),
      ...(query.customer !== undefined ? { customerId: query.customer } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...listWindow(query),
    });
  }

  @Get(':taskId')
  @ReadModelRoute()
  @Roles('agent', 'analyst', 'auditor')
  @ApiOperation({ summary: 'One follow-up task, with the playbook version and cause event' })
  @ApiOkResponse({ type: FollowUpTaskResponseDto })
  @ApiProblems(400, 404, ...COMMON_PROBLEMS)
  async get(@Param('taskId', EntityIdPipe) taskId: string) {
    const task = await this.queries.task(taskId);
    if (!task) throw new NotFoundException(`No follow-up task ${taskId}`);
    return task;
  }

  @Post(':taskId/completion')
  @Roles('agent')
  @WriteDocs(
    'Record the outcome of a follow-up (issue_found opens a complaint)',
    TaskCompletionResponseDto,
  )
  async complete(
    @Param('taskId', EntityIdPipe) taskId: string,
    @Body() body: CompleteTaskRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result: FollowUpTaskResult = await this.commandBus.execute(
      new FollowUpTaskCommandEnvelope(
        {
          type: 'CompleteFollowUpTask',
          data: {
            taskId,
            occurredAt: occurredAt(body),
            outcome: body.outcome,
            completedBy: body.completedBy ?? context.actor ?? 'api',
            ...(body.note !== undefined ? { note: body.note } : {}),
          },
        },
        context,
        body.issue ?? {},
      ),
    );
    return writeResponse(result, res, {
      taskId,
      ...(result.complaint ? { complaintId: result.complaint.complaintId } : {}),
      ...(result.complaint?.refused ? { complaintRefused: result.complaint.refused } : {}),
    });
  }
}
