import { Controller, Get, NotFoundException, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  cohortRetention,
  cohortRetentionFromBuckets,
  complaintsBySkuFromBuckets,
  dayOf,
  lastPurchaseDayOf,
  repairsBySkuFromBuckets,
  type DefectReport,
  csatByMonth,
  npsByMonth,
  warrantyCostByProduct,
  type CohortRetention,
  type CsatMonth,
  type NpsMonth,
  type ProductWarrantyCost,
  type SkuComplaints,
  type SkuRepairs,
} from '@aftercare/projections';
import {
  AsOfQueryDto,
  DefectsQueryDto,
  endOfDayIfDate,
  MonthRangeQueryDto,
} from './read-query.dto';
import { DefectReportResponseDto } from './defects.response.dto';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import {
  CohortRetentionResponseDto,
  ComplaintsBySkuResponseDto,
  CsatByMonthResponseDto,
  NpsByMonthResponseDto,
  RepairsBySkuResponseDto,
  WarrantyCostByProductResponseDto,
} from './analytics.response.dto';
import { ReadModelRoute } from './read-model-route.decorator';
import { ReadService } from './read.service';
import { defectReportOf, Roles } from '@aftercare/application';

const inRange =
  (range: MonthRangeQueryDto) =>
  (row: { month: string }): boolean =>
    (!range.from || row.month >= range.from) && (!range.to || row.month <= range.to);

/** Population views for product and service teams. */
@ApiTags('analytics')
@ApiProblems(400, ...COMMON_PROBLEMS)
@ReadModelRoute()
@Controller('v1/analytics')
export class AnalyticsController {
  constructor(private readonly read: ReadService) {}

  @Roles('analyst')
  @Get('nps-by-month')
  @ApiOkResponse({ type: NpsByMonthResponseDto })
  @ApiOperation({ summary: 'NPS (promoters minus detractors, %) by month of the response' })
  async npsByMonth(@Query() range: MonthRangeQueryDto): Promise<{ months: NpsMonth[] }> {
    const months = await this.read.run((q) => q.feedbackMonths());
    return { months: npsByMonth(months).filter(inRange(range)) };
  }

  @Roles('analyst')
  @Get('csat-by-month')
  @ApiOkResponse({ type: CsatByMonthResponseDto })
  @ApiOperation({ summary: 'CSAT mean and share of 4-5 (and CES mean) by month' })
  async csatByMonth(@Query() range: MonthRangeQueryDto): Promise<{ months: CsatMonth[] }> {
    const months = await this.read.run((q) => q.feedbackMonths());
    return { months: csatByMonth(months).filter(inRange(range)) };
  }

  @Roles('analyst')
  @Get('complaints-by-sku')
  @ApiOkResponse({ type: ComplaintsBySkuResponseDto })
  @ApiOperation({ summary: 'Complaints per unit sold, by SKU and complaint category' })
  async complaintsBySku(): Promise<{ skus: SkuComplaints[] }> {
    return { skus: complaintsBySkuFromBuckets(await this.read.run((q) => q.productBuckets())) };
  }

  @Roles('analyst')
  @Get('repairs-by-sku')
  @ApiOkResponse({ type: RepairsBySkuResponseDto })
  @ApiOperation({ summary: 'Repairs per unit sold, by SKU and defect code' })
  async repairsBySku(): Promise<{ skus: SkuRepairs[] }> {
    return { skus: repairsBySkuFromBuckets(await this.read.run((q) => q.productBuckets())) };
  }

  @Roles('analyst')
  @Get('warranty-cost-by-product')
  @ApiOkResponse({ type: WarrantyCostByProductResponseDto })
  @ApiOperation({ summary: 'Warranty claims, outcomes and cost by product category and SKU' })
  async warrantyCostByProduct(): Promise<{ products: ProductWarrantyCost[] }> {
    return { products: warrantyCostByProduct(await this.read.run((q) => q.allClaims())) };
  }

  @Roles('analyst')
  @Get('defects')
  @ApiOkResponse({ type: DefectReportResponseDto })
  @ApiProblems(404)
  @ApiOperation({
    summary:
      'Defect early warning: defects per 1,000 unit-months by SKU and defect code, trend and Poisson CUSUM; with by=batch, each code by supplier batch (docs/defects.md)',
  })
  async defects(@Query() query: DefectsQueryDto): Promise<DefectReport> {
    const [profiles, claims] = await Promise.all([
      this.read.run((q) => q.allProfiles()),
      this.read.run((q) => q.allClaims()),
    ]);
    const asOf = query.asOf
      ? new Date(endOfDayIfDate(query.asOf)).toISOString()
      : this.read.queries.now();
    const report = await defectReportOf(profiles, claims, asOf, {
      sku: query.sku,
      byBatch: query.by === 'batch',
    });
    if (query.sku !== undefined && report.skus.length === 0) {
      throw new NotFoundException(`No unit of SKU '${query.sku}' is recorded`);
    }
    return report;
  }

  @Roles('analyst')
  @Get('cohort-retention')
  @ApiOkResponse({ type: CohortRetentionResponseDto })
  @ApiOperation({ summary: 'Share of each first-purchase cohort buying again in each later month' })
  async cohortRetention(
    @Query() query: AsOfQueryDto,
  ): Promise<{ asOf: string; cohorts: CohortRetention[] }> {
    const asOf = query.asOf
      ? new Date(endOfDayIfDate(query.asOf)).toISOString()
      : this.read.queries.now();
    const buckets = await this.read.run((q) => q.productBuckets());
    const last = lastPurchaseDayOf(buckets);
    if (last === null || last <= dayOf(asOf)) {
      return { asOf, cohorts: cohortRetentionFromBuckets(buckets, asOf) };
    }
    // Purchases after asOf are in the totals: only the customers' own days can leave them out.
    const profiles = await this.read.run((q) => q.allProfiles());
    return { asOf, cohorts: cohortRetention(profiles, asOf) };
  }
}
