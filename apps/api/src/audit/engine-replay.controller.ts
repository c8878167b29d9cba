import { Controller, Get, Query } from '@nestjs/common';
import { ApiBadRequestResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { Roles, WarrantyEngineReplay, type EngineReplay } from '@aftercare/application';
import { EngineReplayQueryDto } from './engine-replay.query.dto';

/** Compliance: what the current warranty engine would decide differently. Read-only. */
@ApiTags('audit')
@Controller('v1/audit')
export class EngineReplayController {
  constructor(private readonly replay: WarrantyEngineReplay) {}

  @Get('engine-replay')
  @Roles('auditor', 'admin')
  @ApiOperation({
    summary:
      'Claims filed in the period that the current engine would decide differently: both outcomes, remedies and the cost difference per currency. Writes nothing.',
  })
  @ApiOkResponse({ description: 'The remediation list' })
  @ApiBadRequestResponse({ description: 'from and to are required ISO 8601 dates' })
  engineReplay(@Query() query: EngineReplayQueryDto): Promise<EngineReplay> {
    return this.replay.replay({ from: query.from, to: query.to });
  }
}
