import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AccessLog, type AccessEntry, Roles } from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { AccessLogQueryDto } from './access-log.query.dto';
import { AccessLogPageResponseDto } from './access-log.response.dto';

/** For admins: who read personal data or audit views, what and when. */
@ApiTags('access log')
@ApiProblems(400, ...COMMON_PROBLEMS)
@Controller('v1/access-log')
export class AccessLogController {
  constructor(@Inject(AccessLog) private readonly accessLog: AccessLog) {}

  @Roles('admin')
  @Get()
  @ApiOkResponse({ type: AccessLogPageResponseDto })
  @ApiOperation({ summary: 'Recorded reads of personal data and audit views, oldest first' })
  async list(
    @Query() query: AccessLogQueryDto,
  ): Promise<{ entries: AccessEntry[]; next: string | null }> {
    const limit = query.limit ?? 100;
    const entries = await this.accessLog.query({
      from: query.from,
      to: query.to,
      principalId: query.principal,
      action: query.action,
      subject: query.subject,
      after: query.after,
      limit,
    });
    return { entries, next: entries.length === limit ? entries[entries.length - 1].id : null };
  }
}
