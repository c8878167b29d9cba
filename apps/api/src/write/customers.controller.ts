import { Body, Controller, Delete, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiCreatedResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  CustomerCommandEnvelope,
  entityIdFor,
  type CommandContext,
  type CommandResult,
} from '@aftercare/application';
import type { CustomerCommand } from '@aftercare/domain';
import { AcknowledgeComplaintRequestDto } from './dto/acknowledge-complaint.request.dto';
import { CancelMaintenancePlanRequestDto } from './dto/cancel-maintenance-plan.request.dto';
import { CommandResultResponseDto } from './dto/command-result.response.dto';
import { CompleteReturnRequestDto } from './dto/complete-return.request.dto';
import { EraseCustomerPiiRequestDto } from './dto/erase-customer-pii.request.dto';
import { FileComplaintRequestDto } from './dto/file-complaint.request.dto';
import { OccurredAtRequestDto } from './dto/occurred-at.request.dto';
import { ReasonRequestDto } from './dto/reason.request.dto';
import { RecordFeedbackRequestDto } from './dto/record-feedback.request.dto';
import { RecordPurchaseRequestDto } from './dto/record-purchase.request.dto';
import { RecordReferralRequestDto } from './dto/record-referral.request.dto';
import { RecordRepairRequestDto } from './dto/record-repair.request.dto';
import { RecordSetupRequestDto } from './dto/record-setup.request.dto';
import { RegisterCustomerRequestDto } from './dto/register-customer.request.dto';
import { RequestReturnRequestDto } from './dto/request-return.request.dto';
import { ResolveComplaintRequestDto } from './dto/resolve-complaint.request.dto';
import { ScheduleDeliveryRequestDto } from './dto/schedule-delivery.request.dto';
import { SubscribeMaintenancePlanRequestDto } from './dto/subscribe-maintenance-plan.request.dto';
import { EntityIdPipe } from './entity-id.pipe';
import { WriteContext } from './write-context.decorator';
import { WriteDocs } from './write-docs.decorator';
import { occurredAt, writeResponse, type WriteHttpResponse } from './write-response';

type Body<T> = Omit<T, 'occurredAt'>;

/** Customer lifecycle commands: everything on stream `customer-<customerId>`. */
@ApiTags('customers')
@Controller('v1/customers')
export class CustomersController {
  constructor(private readonly commandBus: CommandBus) {}

  @Post()
  @WriteDocs('Register a customer')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async register(
    @Body() body: RegisterCustomerRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const customerId = body.customerId ?? entityIdFor(context.commandId, 'customerId');
    const result = await this.run(context, {
      type: 'RegisterCustomer',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        pii: body.pii,
        jurisdiction: body.jurisdiction,
        countryCode: body.countryCode,
        segment: body.segment,
        signupChannel: body.signupChannel,
      },
    });
    return writeResponse(result, res, { customerId });
  }

  @Post(':customerId/purchases')
  @WriteDocs('Record a purchase')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async recordPurchase(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordPurchaseRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const purchaseId = body.purchaseId ?? entityIdFor(context.commandId, 'purchaseId');
    const data: Body<RecordPurchaseRequestDto> & { purchaseId: string } = {
      ...withoutOccurredAt(body),
      purchaseId,
    };
    const result = await this.run(context, {
      type: 'RecordPurchase',
      data: { ...data, customerId, occurredAt: occurredAt(body) },
    });
    return writeResponse(result, res, { customerId, purchaseId });
  }

  @Post(':customerId/deliveries')
  @WriteDocs('Schedule a delivery (promised window)')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async scheduleDelivery(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: ScheduleDeliveryRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const deliveryId = body.deliveryId ?? entityIdFor(context.commandId, 'deliveryId');
    const result = await this.run(context, {
      type: 'ScheduleDelivery',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        deliveryId,
        purchaseId: body.purchaseId,
        promisedFrom: body.promisedFrom,
        promisedTo: body.promisedTo,
      },
    });
    return writeResponse(result, res, { customerId, deliveryId });
  }

  @Post(':customerId/deliveries/:deliveryId/completion')
  @WriteDocs('Complete a delivery (occurredAt is the delivery time)')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async completeDelivery(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('deliveryId', EntityIdPipe) deliveryId: string,
    @Body() body: OccurredAtRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'CompleteDelivery',
      data: { customerId, occurredAt: occurredAt(body), deliveryId },
    });
    return writeResponse(result, res, { customerId, deliveryId });
  }

  @Post(':customerId/setups')
  @WriteDocs('Record a setup visit: completed or failed')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async recordSetup(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordSetupRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const base = { customerId, occurredAt: occurredAt(body), purchaseId: body.purchaseId };
    const result = await this.run(
      context,
      body.outcome === 'completed'
        ? { type: 'CompleteSetup', data: base }
        : { type: 'RecordSetupFailure', data: { ...base, reason: body.reason ?? '' } },
    );
    return writeResponse(result, res, { customerId, purchaseId: body.purchaseId });
  }

  @Post(':customerId/complaints')
  @WriteDocs('File a complaint')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async fileComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: FileComplaintRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const complaintId = body.complaintId ?? entityIdFor(context.commandId, 'complaintId');
    const result = await this.run(context, {
      type: 'FileComplaint',
      data: { ...withoutOccurredAt(body), complaintId, customerId, occurredAt: occurredAt(body) },
    });
    return writeResponse(result, res, { customerId, complaintId });
  }

  @Post(':customerId/complaints/:complaintId/acknowledgement')
  @WriteDocs('Acknowledge a complaint')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async acknowledgeComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: AcknowledgeComplaintRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'AcknowledgeComplaint',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        complaintId,
        ...(body.agentId !== undefined ? { agentId: body.agentId } : {}),
      },
    });
    return writeResponse(result, res, { customerId, complaintId });
  }

  @Post(':customerId/complaints/:complaintId/escalation')
  @WriteDocs('Escalate a complaint one level')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async escalateComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: ReasonRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'EscalateComplaint',
      data: { customerId, occurredAt: occurredAt(body), complaintId, reason: body.reason },
    });
    return writeResponse(result, res, { customerId, complaintId });
  }

  @Post(':customerId/complaints/:complaintId/resolution')
  @WriteDocs('Resolve a complaint')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async resolveComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: ResolveComplaintRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'ResolveComplaint',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        complaintId,
        resolution: body.resolution,
        remedyGiven: body.remedyGiven,
      },
    });
    return writeResponse(result, res, { customerId, complaintId });
  }

  @Post(':customerId/complaints/:complaintId/reopening')
  @WriteDocs('Reopen a resolved complaint')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async reopenComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: ReasonRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'ReopenComplaint',
      data: { customerId, occurredAt: occurredAt(body), complaintId, reason: body.reason },
    });
    return writeResponse(result, res, { customerId, complaintId });
  }

  @Post(':customerId/repairs')
  @WriteDocs('Record a completed repair')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async recordRepair(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordRepairRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const repairId = body.repairId ?? entityIdFor(context.commandId, 'repairId');
    const result = await this.run(context, {
      type: 'RecordRepair',
      data: { ...withoutOccurredAt(body), repairId, customerId, occurredAt: occurredAt(body) },
    });
    return writeResponse(result, res, { customerId, repairId });
  }

  @Post(':customerId/returns')
  @WriteDocs('Request a return (within the return window)')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async requestReturn(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RequestReturnRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const returnId = body.returnId ?? entityIdFor(context.commandId, 'returnId');
    const result = await this.run(context, {
      type: 'RequestReturn',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        returnId,
        purchaseId: body.purchaseId,
        reason: body.reason,
      },
    });
    return writeResponse(result, res, { customerId, returnId });
  }

  @Post(':customerId/returns/:returnId/completion')
  @WriteDocs('Complete a return: refund or exchange')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async completeReturn(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('returnId', EntityIdPipe) returnId: string,
    @Body() body: CompleteReturnRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'CompleteReturn',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        returnId,
        outcome: body.outcome,
        refundAmount: body.refundAmount,
      },
    });
    return writeResponse(result, res, { customerId, returnId });
  }

  @Post(':customerId/feedback')
  @WriteDocs('Record feedback (NPS, CSAT, CES)')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async recordFeedback(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordFeedbackRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const feedbackId = body.feedbackId ?? entityIdFor(context.commandId, 'feedbackId');
    const result = await this.run(context, {
      type: 'RecordFeedback',
      data: { ...withoutOccurredAt(body), feedbackId, customerId, occurredAt: occurredAt(body) },
    });
    return writeResponse(result, res, { customerId, feedbackId });
  }

  @Post(':customerId/referrals')
  @WriteDocs('Record a referral')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async recordReferral(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordReferralRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const referralId = body.referralId ?? entityIdFor(context.commandId, 'referralId');
    const result = await this.run(context, {
      type: 'RecordReferral',
      data: { ...withoutOccurredAt(body), referralId, customerId, occurredAt: occurredAt(body) },
    });
    return writeResponse(result, res, { customerId, referralId });
  }

  @Post(':customerId/maintenance-plans')
  @WriteDocs('Subscribe to a maintenance plan')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async subscribeMaintenancePlan(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: SubscribeMaintenancePlanRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const planId = body.planId ?? entityIdFor(context.commandId, 'planId');
    const result = await this.run(context, {
      type: 'SubscribeMaintenancePlan',
      data: { ...withoutOccurredAt(body), planId, customerId, occurredAt: occurredAt(body) },
    });
    return writeResponse(result, res, { customerId, planId });
  }

  @Post(':customerId/maintenance-plans/:planId/cancellation')
  @WriteDocs('Cancel a maintenance plan')
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async cancelMaintenancePlan(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('planId', EntityIdPipe) planId: string,
    @Body() body: CancelMaintenancePlanRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'CancelMaintenancePlan',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        planId,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      },
    });
    return writeResponse(result, res, { customerId, planId });
  }

  @Post(':customerId/pii-erasure')
  @WriteDocs("Erase the customer's personal data (idempotent)")
  @ApiCreatedResponse({ type: CommandResultResponseDto })
  async erasePii(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: EraseCustomerPiiRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const result = await this.run(context, {
      type: 'EraseCustomerPii',
      data: {
        customerId,
        occurredAt: occurredAt(body),
        requestedBy: body.requestedBy ?? 'customer',
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      },
    });
    return writeResponse(result, res, { customerId });
  }

  @Delete(':customerId/pii-erasure')
  @HttpCode(200)
  @WriteDocs("Erase the customer's personal data (same as POST)")
  @ApiOkResponse({ type: CommandResultResponseDto })
  erasePiiByDelete(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: EraseCustomerPiiRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    return this.erasePii(customerId, body, context, res);
  }

  private run(context: CommandContext, command: CustomerCommand): Promise<CommandResult> {
    return this.commandBus.execute(new CustomerCommandEnvelope(command, context));
  }
}

function withoutOccurredAt<T extends { occurredAt?: string }>(body: T): Body<T> {
  const { occurredAt: _ignored, ...rest } = body;
  return rest;
}
