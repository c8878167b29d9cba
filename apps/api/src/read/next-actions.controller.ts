import { Controller, Get, Param, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { CustomerNextActions, RankedNextActions } from '@aftercare/application';
import { Roles } from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { endOfDayIfDate, NextActionsQueryDto, CustomerNextActionsQueryDto } from './read-query.dto';
import {
  CustomerNextActionsResponseDto,
  RankedNextActionsResponseDto,
} from './next-actions.response.dto';
import { ReadService } from './read.service';
import { ReadModelRoute } from './read-model-route.decorator';

/** Whom to act on and how: the next best actions, with the evidence behind each figure. */
@ApiTags('next-actions')
@ApiProblems(409, ...COMMON_PROBLEMS)
@ReadModelRoute()
@Controller('v1')
export class NextActionsController {
  constructor(private readonly read: ReadService) {}

  @Roles('agent', 'analyst')
  @Get('customers/:id/next-actions')
  @ApiOkResponse({ type: CustomerNextActionsResponseDto })
  @ApiProblems(400, 404)
  @ApiOperation({
    summary:
      "The customer's eligible actions now, each with Δ P(stay) x CLV - cost, its interval and evidence (409 before the first `next-actions fit`)",
  })
  forCustomer(
    @Param('id') id: string,
    @Query() query: CustomerNextActionsQueryDto,
  ): Promise<CustomerNextActions> {
    const at = query.at === undefined ? undefined : endOfDayIfDate(query.at);
    return this.read.run(() => this.read.nextActions.forCustomer(id, at));
  }

  @Roles('agent', 'analyst')
  @Get('next-actions')
  @ApiOkResponse({ type: RankedNextActionsResponseDto })
  @ApiProblems(400)
  @ApiOperation({
    summary:
      "The best actions across customers for a budget: each customer's best action at the latest fit, ranked by expected value",
  })
  ranked(@Query() query: NextActionsQueryDto): Promise<RankedNextActions> {
    return this.read.run(() => this.read.nextActions.ranked(query.budget));
  }
}
