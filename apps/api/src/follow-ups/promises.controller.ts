import { Body, Controller, Get, Param, Post, Query, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type CommandContext,
  entityIdFor,
  FollowUpQueries,
  PromiseCommandEnvelope,
  Roles,
} from '@aftercare/application';
import type { CommandResult } from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { EntityIdPipe } from '../write/entity-id.pipe';
import { WriteContext } from '../write/write-context.decorator';
import { WriteDocs } from '../write/write-docs.decorator';
import { occurredAt, writeResponse, type WriteHttpResponse } from '../write/write-response';
import { KeptRateQueryDto, listWindow, PromiseListQueryDto } from './follow-ups.query.dto';
import { FulfilPromiseRequestDto, MakePromiseRequestDto } from './follow-ups.request.dto';
import {
  KeptRatePageResponseDto,
  PromisePageResponseDto,
  PromiseWriteResponseDto,
} from './follow-ups.response.dto';
import { ReadModelRoute } from '../read/read-model-route.decorator';

const statusOf = (result: CommandResult): string | undefined =>
  result.events?.some((e) => e.type === 'PromiseKept')
    ? 'kept'
    : result.events?.some((e) => e.type === 'PromiseBroken')
      ? 'broken'
      : result.events?.some((e) => e.type === 'PromiseMade')
        ? 'open'
        : undefined;

/** Promises made to customers, whether they were kept, and the kept rate per agent and queue. */
@ApiTags('follow-ups')
@Controller('v1')
export class PromisesController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly queries: FollowUpQueries,
  ) {}

  @Post('customers/:customerId/promises')
  @Roles('agent')
  @WriteDocs('Record a promise made to a customer, with its due time', PromiseWriteResponseDto)
  async make(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: MakePromiseRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const promiseId = body.promiseId ?? entityIdFor(context.commandId, 'promiseId');
    const result = await this.commandBus.execute(
      new PromiseCommandEnvelope(
        {
          type: 'MakePromise',
          data: {
            promiseId,
            customerId,
            occurredAt: occurredAt(body),
            agentId: body.agentId ?? context.actor ?? 'api',
            queue: body.queue,
            text: body.text,
            // One form in the store, so due-time lists and the sweep compare like with like.
            dueAt: new Date(body.dueAt).toISOString(),
            ...(body.taskId !== undefined ? { taskId: body.taskId } : {}),
          },
        },
        context,
      ),
    );
    return writeResponse(result, res, { customerId, promiseId, status: statusOf(result) });
  }

  @Post('promises/:promiseId/fulfilment')
  @Roles('agent')
  @WriteDocs('Record whether a promise was kept', PromiseWriteResponseDto)
  async fulfil(
    @Param('promiseId', EntityIdPipe) promiseId: string,
    @Body() body: FulfilPromiseRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.commandBus.execute(
      new PromiseCommandEnvelope(
        {
          type: 'FulfilPromise',
          data: {
            promiseId,
            occurredAt: occurredAt(body),
            kept: body.kept,
            recordedBy: body.recordedBy ?? context.actor ?? 'api',
            ...(body.note !== undefined ? { note: body.note } : {}),
          },
        },
        context,
      ),
    );
    return writeResponse(result, res, { promiseId, status: statusOf(result) });
  }

  @Get('promises')
  @ReadModelRoute()
  @Roles('agent', 'analyst', 'auditor')
  @ApiOperation({ summary: 'Promises by agent, queue, customer, due time and status' })
  @ApiOkResponse({ type: PromisePageResponseDto })
  @ApiProblems(400, ...COMMON_PROBLEMS)
  list(@Query() query: PromiseListQueryDto) {
    return this.queries.promises({
      ...(query.agent !== undefined ? { agent: query.agent } : {}),
      ...(query.queue !== undefined ? { queue: query.queue } : {}),
      ...(query.customer !== undefined ? { customerId: query.customer } : {}),
      ...(query.status !== undefined ? { status: query.status } : {}),
      ...listWindow(query),
    });
  }

  @Get('analytics/promise-kept-rate')
  @ReadModelRoute()
  @Roles('analyst', 'auditor', 'agent')
  @ApiOperation({
    summary: 'Promises made, kept and broken, and the kept rate, per agent or queue',
  })
  @ApiOkResponse({ type: KeptRatePageResponseDto })
  @ApiProblems(400, ...COMMON_PROBLEMS)
  async keptRate(@Query() query: KeptRateQueryDto) {
    const by = query.by ?? 'agent';
    const page = await this.queries.keptRates(by, query.limit ?? 100, query.cursor);
    return { by, ...page };
  }
}
