import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import {
  BreachingComplaintQueries,
  type BreachingComplaintPage,
  type ReadModelQueries,
  Roles,
} from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { PageQueryDto } from './read-query.dto';
import { READ_CLOCK, READ_MODELS } from './read.tokens';
import { ReadModelRoute } from './read-model-route.decorator';

export class BreachingComplaintDto {
  @ApiProperty({ example: 'k-1' }) complaintId!: string;
  @ApiProperty({ example: 'ada' }) customerId!: string;
  @ApiProperty({ type: String, nullable: true }) purchaseId!: string | null;
  @ApiProperty({ example: 'delivery' }) category!: string;
  @ApiProperty({ enum: ['low', 'medium', 'high', 'critical'] }) severity!: string;
  @ApiProperty({ format: 'date-time' }) filedAt!: string;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) acknowledgedAt!:
    string | null;
  @ApiProperty({ format: 'date-time' }) acknowledgeBy!: string;
  @ApiProperty({ format: 'date-time' }) resolveBy!: string;
  @ApiProperty({ enum: ['acknowledgement', 'resolution'], isArray: true })
  breached!: string[];
}

export class BreachingComplaintPageDto {
  @ApiProperty({ format: 'date-time', description: 'The instant the targets were checked at' })
  now!: string;
  @ApiProperty({ type: BreachingComplaintDto, isArray: true }) items!: BreachingComplaintDto[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

/** Complaints across every customer, for the worklist. */
@ApiTags('customers')
@ApiProblems(400, ...COMMON_PROBLEMS)
@ReadModelRoute()
@Controller('v1/complaints')
export class ComplaintsController {
  private readonly queries: BreachingComplaintQueries;

  constructor(
    @Inject(READ_MODELS) readModels: ReadModelQueries,
    @Inject(READ_CLOCK) clock: () => Date,
  ) {
    this.queries = new BreachingComplaintQueries(readModels, clock);
  }

  @Roles('agent', 'analyst')
  @Get('breaching')
  @ApiOkResponse({ type: BreachingComplaintPageDto })
  @ApiOperation({
    summary:
      'Open complaints past their acknowledgement or resolution target, oldest filing first (keyset pages)',
  })
  async breaching(@Query() query: PageQueryDto): Promise<BreachingComplaintPage> {
    return this.queries.page({ limit: query.limit ?? 50, cursor: query.cursor });
  }
}
