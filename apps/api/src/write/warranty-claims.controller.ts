import { Body, Controller, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiTags } from '@nestjs/swagger';
import {
  Roles,
  WarrantyClaimCommandEnvelope,
  entityIdFor,
  type CommandContext,
  type CommandResult,
  type WarrantyClaimRequest,
} from '@aftercare/application';
import type {
  WarrantyClaimDecided,
  WarrantyClaimEvent,
  WarrantyClaimFulfilled,
  WarrantyDecisionOverridden,
} from '@aftercare/domain';
import {
  WarrantyClaimResponseDto,
  WarrantyFulfilmentResponseDto,
} from './dto/command-result.response.dto';
import { AssessWarrantyClaimRequestDto } from './dto/assess-warranty-claim.request.dto';
import { FileWarrantyClaimRequestDto } from './dto/file-warranty-claim.request.dto';
import { FulfilWarrantyClaimRequestDto } from './dto/fulfil-warranty-claim.request.dto';
import { OverrideWarrantyDecisionRequestDto } from './dto/override-warranty-decision.request.dto';
import { RefuseWarrantyRemedyRequestDto } from './dto/refuse-warranty-remedy.request.dto';
import { EntityIdPipe } from './entity-id.pipe';
import { WriteContext } from './write-context.decorator';
import { WriteDocs } from './write-docs.decorator';
import { occurredAt, writeResponse, type WriteHttpResponse } from './write-response';

/**
 * Warranty claims: stream `warranty-<claimId>`, decided by the warranty engine on filing and
 * decided again when an assessment or a remedy refusal is recorded.
 */
@ApiTags('warranty')
@Controller('v1/warranty-claims')
export class WarrantyClaimsController {
  constructor(private readonly commandBus: CommandBus) {}

  @Roles('agent')
  @Post()
  @WriteDocs(
    'File a warranty claim; answers with the decision and its rule trace',
    WarrantyClaimResponseDto,
  )
  async file(
    @Body() body: FileWarrantyClaimRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const claimId = body.claimId ?? entityIdFor(context.commandId, 'claimId');
    const result = await this.run(context, {
      type: 'FileWarrantyClaim',
      data: {
        claimId,
        customerId: body.customerId,
        occurredAt: occurredAt(body),
        purchaseId: body.purchaseId,
        ...(body.serialNumber !== undefined ? { serialNumber: body.serialNumber } : {}),
        noticedAt: body.noticedAt,
        defect: { code: body.defect.code, description: body.defect.description },
        symptom: body.symptom,
        ...(body.suspectedCause !== undefined ? { suspectedCause: body.suspectedCause } : {}),
        evidence: {
          proofOfPurchase: body.evidence.proofOfPurchase,
          ...(body.evidence.photos !== undefined ? { photos: body.evidence.photos } : {}),
          ...(body.evidence.notes !== undefined ? { notes: body.evidence.notes } : {}),
        },
        ...(body.claimedAmount !== undefined ? { claimedAmount: body.claimedAmount } : {}),
        ...(body.remedyRequested !== undefined ? { remedyRequested: body.remedyRequested } : {}),
        ...(body.region !== undefined ? { region: body.region } : {}),
      },
    });
    return writeResponse(result, res, {
      claimId,
      customerId: body.customerId,
      ...decisionOf(result),
    });
  }

  @Post(':claimId/assessment')
  @Roles('agent', 'admin')
  @WriteDocs(
    'Record the cause as an assessment established it; answers with the claim decided again',
    WarrantyClaimResponseDto,
  )
  async assess(
    @Param('claimId', EntityIdPipe) claimId: string,
    @Body() body: AssessWarrantyClaimRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'AssessWarrantyClaim',
      data: {
        claimId,
        occurredAt: occurredAt(body),
        cause: body.cause,
        assessedBy: body.assessedBy,
        method: body.method,
        ...(body.notes !== undefined ? { notes: body.notes } : {}),
        ...(body.serious !== undefined ? { serious: body.serious } : {}),
      },
    });
    return writeResponse(result, res, { claimId, ...decisionOf(result) });
  }

  @Post(':claimId/remedy-refusal')
  @Roles('agent', 'admin')
  @WriteDocs(
    'Record that the seller refuses a remedy as impossible or disproportionate; answers with the claim decided again',
    WarrantyClaimResponseDto,
  )
  async refuseRemedy(
    @Param('claimId', EntityIdPipe) claimId: string,
    @Body() body: RefuseWarrantyRemedyRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'RefuseWarrantyRemedy',
      data: {
        claimId,
        occurredAt: occurredAt(body),
        remedy: body.remedy,
        ground: body.ground,
        reason: body.reason,
        refusedBy: body.refusedBy,
        ...(body.costOfRefusedRemedy !== undefined
          ? { costOfRefusedRemedy: body.costOfRefusedRemedy }
          : {}),
        ...(body.costOfAlternative !== undefined
          ? { costOfAlternative: body.costOfAlternative }
          : {}),
      },
    });
    return writeResponse(result, res, { claimId, ...decisionOf(result) });
  }

  @Roles('agent')
  @Post(':claimId/override')
  @WriteDocs("Override the decision (an agent's, with a justification)", WarrantyClaimResponseDto)
  async override(
    @Param('claimId', EntityIdPipe) claimId: string,
    @Body() body: OverrideWarrantyDecisionRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'OverrideWarrantyDecision',
      data: {
        claimId,
        occurredAt: occurredAt(body),
        agentId: body.agentId,
        justification: body.justification,
        outcome: body.outcome,
        remedy: body.remedy ?? null,
        coveredAmount: body.coveredAmount ?? 0,
      },
    });
    const overridden = find<WarrantyDecisionOverridden['data']>(
      result,
      'WarrantyDecisionOverridden',
    );
    return writeResponse(result, res, {
      claimId,
      ...(overridden
        ? {
            customerId: overridden.customerId,
            outcome: overridden.outcome,
            remedy: overridden.remedy,
            coveredAmount: overridden.coveredAmount,
            previous: overridden.previous,
          }
        : {}),
    });
  }

  @Roles('agent')
  @Post(':claimId/fulfilment')
  @WriteDocs('Record that an approved claim was fulfilled', WarrantyFulfilmentResponseDto)
  async fulfil(
    @Param('claimId', EntityIdPipe) claimId: string,
    @Body() body: FulfilWarrantyClaimRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'FulfilWarrantyClaim',
      data: {
        claimId,
        occurredAt: occurredAt(body),
        ...(body.reference !== undefined ? { reference: body.reference } : {}),
      },
    });
    const fulfilled = find<WarrantyClaimFulfilled['data']>(result, 'WarrantyClaimFulfilled');
    return writeResponse(result, res, {
      claimId,
      ...(fulfilled
        ? {
            customerId: fulfilled.customerId,
            remedy: fulfilled.remedy,
            amount: fulfilled.amount,
            currency: fulfilled.currency,
          }
        : {}),
    });
  }

  private run(context: CommandContext, command: WarrantyClaimRequest): Promise<CommandResult> {
    return this.commandBus.execute(new WarrantyClaimCommandEnvelope(command, context));
  }
}

/** The decision a write recorded (filing, assessment, refusal), as the client sees it. */
function decisionOf(result: CommandResult) {
  const decided = find<WarrantyClaimDecided['data']>(result, 'WarrantyClaimDecided');
  return decided
    ? {
        customerId: decided.customerId,
        outcome: decided.outcome,
        remedy: decided.remedy,
        coveredAmount: decided.coveredAmount,
        currency: decided.currency,
        policyId: decided.policyId,
        policyVersion: decided.policyVersion,
        law: decided.jurisdiction,
        engineVersion: decided.engineVersion,
        ruleTrace: decided.ruleTrace,
        factsDigest: decided.factsDigest,
      }
    : {};
}

function find<D>(result: CommandResult, type: WarrantyClaimEvent['type']): D | undefined {
  return result.events?.find((event) => event.type === type)?.data as D | undefined;
}
