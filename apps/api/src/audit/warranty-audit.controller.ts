import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  type ClaimAudit,
  type DecisionReport,
  type DecisionRow,
  WarrantyAudit,
  Roles,
} from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { ClaimAuditResponseDto, DecisionsResponseDto } from './warranty-audit.response.dto';
import { WarrantyDecisionsQueryDto } from './warranty-decisions.query.dto';
import { RecordsAccess } from '../auth/records-access.decorator';

/** For auditors: explain, recompute and verify warranty decisions. Read-only. */
@ApiTags('audit')
@ApiProblems(...COMMON_PROBLEMS)
@Controller('v1/warranty-claims')
export class WarrantyAuditController {
  constructor(private readonly audit: WarrantyAudit) {}

  @Roles('auditor')
  @RecordsAccess('audit.decisions')
  @Get()
  @ApiOkResponse({
    type: DecisionsResponseDto,
    description: 'Decisions in the period with approval rates by policy version, rule and product',
  })
  @ApiProblems(400)
  async decisions(
    @Query() query: WarrantyDecisionsQueryDto,
  ): Promise<{ decisions: DecisionRow[]; summary: DecisionReport }> {
    const decisions: DecisionRow[] = [];
    for await (const row of this.audit.decisions(query)) decisions.push(row);
    return { decisions, summary: await this.audit.report(query) };
  }

  @Roles('auditor')
  @RecordsAccess('audit.claim')
  @Get(':claimId/audit')
  @ApiOkResponse({
    type: ClaimAuditResponseDto,
    description:
      'The claim, the facts used, the policy, the rule trace, overrides and verification',
  })
  @ApiProblems(404)
  async claim(@Param('claimId') claimId: string): Promise<ClaimAudit> {
    const audit = await this.audit.claim(claimId);
    if (!audit) throw new NotFoundException(`No warranty claim ${claimId}`);
    return audit;
  }
}
