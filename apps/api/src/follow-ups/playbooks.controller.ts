import { Body, Controller, Get, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  type CommandContext,
  PlaybookCatalogue,
  PlaybookCommandEnvelope,
  type PlaybookDetail,
  Roles,
} from '@aftercare/application';
import type { PlaybookPublished } from '@aftercare/domain';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { EntityIdPipe } from '../write/entity-id.pipe';
import { WriteContext } from '../write/write-context.decorator';
import { WriteDocs } from '../write/write-docs.decorator';
import { occurredAt, writeResponse, type WriteHttpResponse } from '../write/write-response';
import { PublishPlaybookRequestDto } from './follow-ups.request.dto';
import { PlaybookResponseDto, PlaybookWriteResponseDto } from './follow-ups.response.dto';

/** Playbooks: versioned rules that turn events into follow-up tasks; admins publish versions. */
@ApiTags('follow-ups')
@Controller('v1/playbooks')
export class PlaybooksController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly catalogue: PlaybookCatalogue,
  ) {}

  @Get()
  @Roles('agent', 'analyst', 'auditor')
  @ApiOperation({ summary: 'Every playbook with all its versions' })
  @ApiOkResponse({ type: PlaybookResponseDto, isArray: true })
  @ApiProblems(...COMMON_PROBLEMS)
  list(): Promise<PlaybookDetail[]> {
    return this.catalogue.list();
  }

  @Get(':playbookId')
  @Roles('agent', 'analyst', 'auditor')
  @ApiOperation({ summary: 'One playbook with all its versions' })
  @ApiOkResponse({ type: PlaybookResponseDto })
  @ApiProblems(400, 404, ...COMMON_PROBLEMS)
  async get(@Param('playbookId', EntityIdPipe) playbookId: string): Promise<PlaybookDetail> {
    const playbook = await this.catalogue.get(playbookId);
    if (!playbook) throw new NotFoundException(`No playbook ${playbookId}`);
    return playbook;
  }

  @Post()
  @Roles('admin')
  @WriteDocs(
    'Publish a version of a playbook (the next one unless `version` is given)',
    PlaybookWriteResponseDto,
  )
  async publish(
    @Body() body: PublishPlaybookRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.commandBus.execute(
      new PlaybookCommandEnvelope(
        {
          type: 'PublishPlaybook',
          data: {
            playbookId: body.playbookId,
            ...(body.version !== undefined ? { version: body.version } : {}),
            occurredAt: occurredAt(body),
            name: body.name,
            definition: {
              trigger: body.trigger,
              enabled: body.enabled ?? true,
              steps: body.steps.map((s) => ({
                kind: s.kind,
                dueAfterHours: s.dueAfterHours,
                assignee: s.assignee,
                queue: s.queue,
                escalateTo: s.escalateTo ?? null,
                title: s.title,
              })),
            },
            publishedBy: context.onBehalfOf ?? context.actor ?? 'api',
          },
        },
        context,
      ),
    );
    const published = result.events?.find((e) => e.type === 'PlaybookPublished')?.data as
      PlaybookPublished['data'] | undefined;
    return writeResponse(result, res, {
      playbookId: body.playbookId,
      version: published?.version,
    });
  }
}
