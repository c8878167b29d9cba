import { Controller, Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, WarrantyEngineReplay, type EngineReplay } from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { EngineReplayQueryDto } from './engine-replay.query.dto';
import { EngineReplayResponseDto } from './engine-replay.response.dto';
import { ReadModelRoute } from '../read/read-model-route.decorator';

/** Compliance: what the current warranty engine would decide differently. Read-only. */
@ApiTags('audit')
@ApiProblems(...COMMON_PROBLEMS)
@ReadModelRoute()
@Controller('v1/audit')
export class EngineReplayController {
  constructor(private readonly replay: WarrantyEngineReplay) {}

  @Get('engine-replay')
  @Roles('auditor', 'admin')
  @ApiOperation({
    summary:
      'Claims filed in the period that the current engine would decide differently: both outcomes, remedies and the cost difference per currency. The latest decisions come from the warranty_decisions read model (X-Aftercare-* headers say how fresh), each re-decided from the facts its event recorded. Writes nothing.',
  })
  @ApiOkResponse({ type: EngineReplayResponseDto, description: 'The remediation list' })
  @ApiProblems(400)
  engineReplay(@Query() query: EngineReplayQueryDto): Promise<EngineReplay> {
    return this.replay.replay({ from: query.from, to: query.to });
  }
}
