import { Body, Controller, Get, NotFoundException, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  Roles,
  WarrantyPolicyCatalogue,
  WarrantyPolicyCommandEnvelope,
  entityIdFor,
  type CommandContext,
  type PolicyDetail,
  type PolicySummary,
} from '@aftercare/application';
import type { WarrantyPolicyPublished } from '@aftercare/domain';
import { CommandResultResponseDto } from './dto/command-result.response.dto';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import {
  PolicyDetailResponseDto,
  PolicySummaryResponseDto,
} from './dto/warranty-policy.response.dto';
import { EntityIdPipe } from './entity-id.pipe';
import { PublishWarrantyPolicyRequestDto } from './dto/publish-warranty-policy.request.dto';
import { WriteContext } from './write-context.decorator';
import { WriteDocs } from './write-docs.decorator';
import { occurredAt, writeResponse, type WriteHttpResponse } from './write-response';

@ApiTags('warranty')
@Controller('v1/warranty-policies')
export class WarrantyPoliciesController {
  constructor(
    private readonly commandBus: CommandBus,
    private readonly catalogue: WarrantyPolicyCatalogue,
  ) {}

  @Get()
  @Roles('auditor', 'admin', 'analyst')
  @ApiOperation({ summary: 'Every warranty policy with its published versions' })
  @ApiOkResponse({
    type: PolicySummaryResponseDto,
    isArray: true,
    description: 'Policies by id, each with its versions and the latest one',
  })
  @ApiProblems(...COMMON_PROBLEMS)
  list(): Promise<PolicySummary[]> {
    return this.catalogue.list();
  }

  @Get(':policyId')
  @Roles('auditor', 'admin', 'analyst')
  @ApiOperation({ summary: 'One warranty policy with every version and its terms' })
  @ApiOkResponse({ type: PolicyDetailResponseDto, description: 'The policy and its versions' })
  @ApiProblems(400, 404, ...COMMON_PROBLEMS)
  async get(@Param('policyId', EntityIdPipe) policyId: string): Promise<PolicyDetail> {
    const policy = await this.catalogue.get(policyId);
    if (!policy) throw new NotFoundException(`No warranty policy ${policyId}`);
    return policy;
  }

  @Roles('admin')
  @Post()
  @WriteDocs(
    'Publish a version of a warranty policy (the next one unless `version` is given)',
    CommandResultResponseDto,
  )
  async publish(
    @Body() body: PublishWarrantyPolicyRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const policyId = body.policyId ?? entityIdFor(context.commandId, 'policyId');
    const { terms } = body;
    const result = await this.commandBus.execute(
      new WarrantyPolicyCommandEnvelope(
        {
          type: 'PublishWarrantyPolicy',
          data: {
            policyId,
            ...(body.version !== undefined ? { version: body.version } : {}),
            effectiveFrom: body.effectiveFrom,
            occurredAt: occurredAt(body),
            name: body.name,
            terms: {
              coverageMonths: {
                default: terms.coverageMonths.default,
                byCategory: terms.coverageMonths.byCategory ?? {},
              },
              exclusions: terms.exclusions,
              requireProofOfPurchase: terms.requireProofOfPurchase,
              repeatClaimThreshold: terms.repeatClaimThreshold,
              remedyRules: terms.remedyRules.map(({ maxAgeDays, remedy }) => ({
                maxAgeDays,
                remedy,
              })),
              defaultRemedy: terms.defaultRemedy,
              maxCoveredAmountRatio: terms.maxCoveredAmountRatio,
            },
            ...(body.publishedBy !== undefined ? { publishedBy: body.publishedBy } : {}),
          },
        },
        context,
      ),
    );
    const published = result.events?.find((e) => e.type === 'WarrantyPolicyPublished')?.data as
      WarrantyPolicyPublished['data'] | undefined;
    return writeResponse(result, res, { policyId, version: published?.version });
  }
}
