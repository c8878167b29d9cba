import { Controller, Get, NotFoundException, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  type ClaimAudit,
  type DecisionReport,
  type DecisionRow,
  Roles,
  WarrantyAudit,
  WarrantyDecisionQueries,
} from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { ClaimAuditResponseDto, DecisionsResponseDto } from './warranty-audit.response.dto';
import { WarrantyDecisionsQueryDto } from './warranty-decisions.query.dto';
import { RecordsAccess } from '../auth/records-access.decorator';
import { ReadModelRoute } from '../read/read-model-route.decorator';

/** For auditors: explain, recompute and verify warranty decisions. Read-only. */
@ApiTags('audit')
@ApiProblems(...COMMON_PROBLEMS)
@Controller('v1/warranty-claims')
export class WarrantyAuditController {
  constructor(
    private readonly audit: WarrantyAudit,
    private readonly decisionQueries: WarrantyDecisionQueries,
  ) {}

  @Roles('auditor')
  @RecordsAccess('audit.decisions')
  @ReadModelRoute()
  @Get()
  @ApiOkResponse({
    type: DecisionsResponseDto,
    description:
      'A page of the decisions in the period (by filing date) with approval rates by policy version, rule and product over all of them, from the warranty_decisions read model (X-Aftercare-* headers say how fresh)',
  })
  @ApiProblems(400)
  async decisions(
    @Query() { limit, cursor, ...query }: WarrantyDecisionsQueryDto,
  ): Promise<{ decisions: DecisionRow[]; nextCursor: string | null; summary: DecisionReport }> {
    const [page, summary] = await Promise.all([
      this.decisionQueries.page(query, limit ?? 50, cursor),
      this.decisionQueries.report(query),
    ]);
    return { ...page, summary };
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
