import { Body, Controller, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import {
  WarrantyPolicyCommandEnvelope,
  entityIdFor,
  type CommandContext,
  Roles,
} from '@aftercare/application';
import type { WarrantyPolicyPublished } from '@aftercare/domain';
import { CommandResultResponseDto } from './dto/command-result.response.dto';
import { PublishWarrantyPolicyRequestDto } from './dto/publish-warranty-policy.request.dto';
import { WriteContext } from './write-context.decorator';
import { WriteDocs } from './write-docs.decorator';
import { occurredAt, writeResponse, type WriteHttpResponse } from './write-response';

@ApiTags('warranty')
@Controller('v1/warranty-policies')
export class WarrantyPoliciesController {
  constructor(private readonly commandBus: CommandBus) {}

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
