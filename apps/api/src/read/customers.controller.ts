import { BadRequestException, Controller, Get, Param, Query, Req } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CustomerListPage, CustomerView, TimelinePage } from '@aftercare/application';
import {
  CustomerListQueryDto,
  CustomerProfileQueryDto,
  endOfDayIfDate,
  PageQueryDto,
} from './read-query.dto';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import {
  CustomerListPageResponseDto,
  CustomerViewResponseDto,
  TimelinePageResponseDto,
} from './customer.response.dto';
import { ReadModelRoute } from './read-model-route.decorator';
import { ReadsScoreIndex } from './min-position.guard';
import { ReadService } from './read.service';
import { RecordsAccess } from '../auth/records-access.decorator';
import { canReadPii, readerOf, Roles } from '@aftercare/application';
import type { FastifyRequest } from 'fastify';

@ApiTags('customers')
@ApiProblems(400, ...COMMON_PROBLEMS)
@ReadModelRoute()
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly read: ReadService) {}

  @Roles('analyst')
  @RecordsAccess('customer.list')
  @ReadsScoreIndex()
  @Get()
  @ApiOkResponse({ type: CustomerListPageResponseDto })
  @ApiOperation({
    summary:
      'Customers for action from the score index: filtered by churn band, satisfaction, segment, country, currency, product or last interaction; sorted by CLV (default), churn risk, value at risk or last interaction',
    description:
      'Scores are computed ahead of the request (see `scores`): a change to a customer is scored within about a second, and every customer is scored again after a CLV refit and each UTC day. Any page answers in the same time, whatever the number of customers. Sorting by CLV or value at risk compares amounts in their own currencies: filter by `currency` to rank one currency.',
  })
  async list(
    @Query() query: CustomerListQueryDto,
    @Req() request: FastifyRequest,
  ): Promise<CustomerListPage> {
    const page = await this.read.run(() => this.read.customerList.list(query));
    // A name stored in plaintext (a seeded or legacy store) is no sealed token the vault redacts.
    if (canReadPii(readerOf(request))) return page;
    return { ...page, items: page.items.map((item) => ({ ...item, name: null })) };
  }

  @Roles('agent', 'analyst')
  @RecordsAccess('customer.view')
  @Get(':id')
  @ApiOkResponse({ type: CustomerViewResponseDto })
  @ApiProblems(404)
  @ApiOperation({
    summary:
      'The customer with satisfaction, churn risk and CLV; as of a business and/or record time',
  })
  profile(@Param('id') id: string, @Query() query: CustomerProfileQueryDto): Promise<CustomerView> {
    const asOf = query.asOf === undefined ? undefined : endOfDayIfDate(query.asOf);
    const knownAt = query.knownAt === undefined ? undefined : endOfDayIfDate(query.knownAt);
    for (const [field, value] of [
      ['asOf', asOf],
      ['knownAt', knownAt],
    ] as const) {
      if (value !== undefined && Number.isNaN(Date.parse(value))) {
        throw new BadRequestException(`${field} '${value}' is not a valid date`);
      }
    }
    return this.read.run((q) => q.profile(id, { asOf, knownAt }));
  }

  @Roles('agent', 'analyst')
  @RecordsAccess('customer.timeline')
  @Get(':id/timeline')
  @ApiOkResponse({ type: TimelinePageResponseDto })
  @ApiProblems(404)
  @ApiOperation({ summary: "The customer's history by business time, paginated" })
  timeline(@Param('id') id: string, @Query() query: PageQueryDto): Promise<TimelinePage> {
    return this.read.run((q) => q.timeline(id, query));
  }
}
