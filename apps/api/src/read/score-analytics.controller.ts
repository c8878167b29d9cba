import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsOptional, Matches } from 'class-validator';
import {
  type ChurnBandTotals,
  type ClvDistribution,
  type CustomerScoresStatus,
  Roles,
  ScoreDistributionQueries,
} from '@aftercare/application';
import { customerScoreIndexOf } from '@aftercare/read-models';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { READ_MODELS } from './read.tokens';
import { ChurnBandsResponseDto, ClvDistributionResponseDto } from './score-analytics.response.dto';

export class ClvDistributionQueryDto {
  @ApiPropertyOptional({ example: 'EUR', description: 'One currency (default: each held)' })
  @IsOptional()
  @Matches(/^[A-Z]{3}$/, { message: 'currency must be a three-letter ISO 4217 code' })
  currency?: string;
}

/** Population views of the customer score index: churn bands and the CLV distribution. */
@ApiTags('analytics')
@ApiProblems(400, ...COMMON_PROBLEMS)
@Controller('v1/analytics')
export class ScoreAnalyticsController {
  private readonly queries: ScoreDistributionQueries;

  constructor(@Inject(READ_MODELS) readModels: object) {
    this.queries = new ScoreDistributionQueries(customerScoreIndexOf(readModels));
  }

  @Roles('analyst')
  @Get('churn-bands')
  @ApiOkResponse({ type: ChurnBandsResponseDto })
  @ApiOperation({
    summary: 'Customers and value at risk (churn probability × CLV, per currency) by churn band',
  })
  churnBands(): Promise<{ scores: CustomerScoresStatus; bands: ChurnBandTotals[] }> {
    return this.queries.churnBands();
  }

  @Roles('analyst')
  @Get('clv-distribution')
  @ApiOkResponse({ type: ClvDistributionResponseDto })
  @ApiOperation({
    summary:
      'CLV histogram per currency: round-width bins up to the 99th percentile, then one open bin',
  })
  clvDistribution(
    @Query() query: ClvDistributionQueryDto,
  ): Promise<{ scores: CustomerScoresStatus; currencies: ClvDistribution[] }> {
    return this.queries.clvDistribution(query.currency);
  }
}
