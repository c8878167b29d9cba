import { Body, Controller, Delete, HttpCode, Param, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  CustomerCommandEnvelope,
  entityIdFor,
  type CommandContext,
  type CommandResult,
  Roles,
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
import { RecordRetentionActionRequestDto } from './dto/record-retention-action.request.dto';
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

  @Roles('agent')
  @Post()
  @WriteDocs('Register a customer', CommandResultResponseDto)
  register(
    @Body() body: RegisterCustomerRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const customerId = body.customerId ?? entityIdFor(context.commandId, 'customerId');
    const command: CustomerCommand = {
      type: 'RegisterCustomer',
      data: {
        ...customerAt(customerId, body),
        pii: body.pii,
        jurisdiction: body.jurisdiction,
        countryCode: body.countryCode,
        segment: body.segment,
        signupChannel: body.signupChannel,
      },
    };
    return this.send(context, res, command, { customerId });
  }

  @Roles('agent')
  @Post(':customerId/purchases')
  @WriteDocs('Record a purchase', CommandResultResponseDto)
  recordPurchase(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordPurchaseRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const purchaseId = body.purchaseId ?? entityIdFor(context.commandId, 'purchaseId');
    const data = fromBody(customerId, body, { purchaseId });
    return this.send(context, res, { type: 'RecordPurchase', data }, { customerId, purchaseId });
  }

  @Roles('agent')
  @Post(':customerId/deliveries')
  @WriteDocs('Schedule a delivery (promised window)', CommandResultResponseDto)
  scheduleDelivery(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: ScheduleDeliveryRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const deliveryId = body.deliveryId ?? entityIdFor(context.commandId, 'deliveryId');
    const command: CustomerCommand = {
      type: 'ScheduleDelivery',
      data: {
        ...customerAt(customerId, body),
        deliveryId,
        purchaseId: body.purchaseId,
        promisedFrom: body.promisedFrom,
        promisedTo: body.promisedTo,
      },
    };
    return this.send(context, res, command, { customerId, deliveryId });
  }

  @Roles('agent')
  @Post(':customerId/deliveries/:deliveryId/completion')
  @WriteDocs('Complete a delivery (occurredAt is the delivery time)', CommandResultResponseDto)
  completeDelivery(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('deliveryId', EntityIdPipe) deliveryId: string,
    @Body() body: OccurredAtRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'CompleteDelivery',
      data: { ...customerAt(customerId, body), deliveryId },
    };
    return this.send(context, res, command, { customerId, deliveryId });
  }

  @Roles('agent')
  @Post(':customerId/setups')
  @WriteDocs('Record a setup visit: completed or failed', CommandResultResponseDto)
  recordSetup(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordSetupRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const base = { ...customerAt(customerId, body), purchaseId: body.purchaseId };
    const command: CustomerCommand =
      body.outcome === 'completed'
        ? { type: 'CompleteSetup', data: base }
        : { type: 'RecordSetupFailure', data: { ...base, reason: body.reason ?? '' } };
    return this.send(context, res, command, { customerId, purchaseId: body.purchaseId });
  }

  @Roles('agent')
  @Post(':customerId/complaints')
  @WriteDocs('File a complaint', CommandResultResponseDto)
  fileComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: FileComplaintRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const complaintId = body.complaintId ?? entityIdFor(context.commandId, 'complaintId');
    const data = fromBody(customerId, body, { complaintId });
    return this.send(context, res, { type: 'FileComplaint', data }, { customerId, complaintId });
  }

  @Roles('agent')
  @Post(':customerId/complaints/:complaintId/acknowledgement')
  @WriteDocs('Acknowledge a complaint', CommandResultResponseDto)
  acknowledgeComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: AcknowledgeComplaintRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'AcknowledgeComplaint',
      data: {
        ...customerAt(customerId, body),
        complaintId,
        ...(body.agentId !== undefined ? { agentId: body.agentId } : {}),
      },
    };
    return this.send(context, res, command, { customerId, complaintId });
  }

  @Roles('agent')
  @Post(':customerId/complaints/:complaintId/escalation')
  @WriteDocs('Escalate a complaint one level', CommandResultResponseDto)
  escalateComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: ReasonRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'EscalateComplaint',
      data: { ...customerAt(customerId, body), complaintId, reason: body.reason },
    };
    return this.send(context, res, command, { customerId, complaintId });
  }

  @Roles('agent')
  @Post(':customerId/complaints/:complaintId/resolution')
  @WriteDocs('Resolve a complaint', CommandResultResponseDto)
  resolveComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: ResolveComplaintRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'ResolveComplaint',
      data: {
        ...customerAt(customerId, body),
        complaintId,
        resolution: body.resolution,
        remedyGiven: body.remedyGiven,
      },
    };
    return this.send(context, res, command, { customerId, complaintId });
  }

  @Roles('agent')
  @Post(':customerId/complaints/:complaintId/reopening')
  @WriteDocs('Reopen a resolved complaint', CommandResultResponseDto)
  reopenComplaint(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('complaintId', EntityIdPipe) complaintId: string,
    @Body() body: ReasonRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'ReopenComplaint',
      data: { ...customerAt(customerId, body), complaintId, reason: body.reason },
    };
    return this.send(context, res, command, { customerId, complaintId });
  }

  @Roles('agent')
  @Post(':customerId/repairs')
  @WriteDocs('Record a completed repair', CommandResultResponseDto)
  recordRepair(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordRepairRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const repairId = body.repairId ?? entityIdFor(context.commandId, 'repairId');
    const data = fromBody(customerId, body, { repairId });
    return this.send(context, res, { type: 'RecordRepair', data }, { customerId, repairId });
  }

  @Roles('agent')
  @Post(':customerId/returns')
  @WriteDocs('Request a return (within the return window)', CommandResultResponseDto)
  requestReturn(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RequestReturnRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const returnId = body.returnId ?? entityIdFor(context.commandId, 'returnId');
    const command: CustomerCommand = {
      type: 'RequestReturn',
      data: {
        ...customerAt(customerId, body),
        returnId,
        purchaseId: body.purchaseId,
        reason: body.reason,
      },
    };
    return this.send(context, res, command, { customerId, returnId });
  }

  @Roles('agent')
  @Post(':customerId/returns/:returnId/completion')
  @WriteDocs('Complete a return: refund or exchange', CommandResultResponseDto)
  completeReturn(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('returnId', EntityIdPipe) returnId: string,
    @Body() body: CompleteReturnRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'CompleteReturn',
      data: {
        ...customerAt(customerId, body),
        returnId,
        outcome: body.outcome,
        refundAmount: body.refundAmount,
      },
    };
    return this.send(context, res, command, { customerId, returnId });
  }

  @Roles('agent')
  @Post(':customerId/feedback')
  @WriteDocs('Record feedback (NPS, CSAT, CES)', CommandResultResponseDto)
  recordFeedback(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordFeedbackRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const feedbackId = body.feedbackId ?? entityIdFor(context.commandId, 'feedbackId');
    const data = fromBody(customerId, body, { feedbackId });
    return this.send(context, res, { type: 'RecordFeedback', data }, { customerId, feedbackId });
  }

  @Roles('agent')
  @Post(':customerId/referrals')
  @WriteDocs('Record a referral', CommandResultResponseDto)
  recordReferral(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordReferralRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const referralId = body.referralId ?? entityIdFor(context.commandId, 'referralId');
    const data = fromBody(customerId, body, { referralId });
    return this.send(context, res, { type: 'RecordReferral', data }, { customerId, referralId });
  }

  @Roles('agent')
  @Post(':customerId/retention-actions')
  @WriteDocs('Record an action taken to keep the customer', CommandResultResponseDto)
  recordRetentionAction(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: RecordRetentionActionRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const actionId = body.actionId ?? entityIdFor(context.commandId, 'actionId');
    const data = fromBody(customerId, body, { actionId });
    return this.send(
      context,
      res,
      { type: 'RecordRetentionAction', data },
      { customerId, actionId },
    );
  }

  @Roles('agent')
  @Post(':customerId/maintenance-plans')
  @WriteDocs('Subscribe to a maintenance plan', CommandResultResponseDto)
  subscribeMaintenancePlan(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: SubscribeMaintenancePlanRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const planId = body.planId ?? entityIdFor(context.commandId, 'planId');
    const data = fromBody(customerId, body, { planId });
    return this.send(
      context,
      res,
      { type: 'SubscribeMaintenancePlan', data },
      { customerId, planId },
    );
  }

  @Roles('agent')
  @Post(':customerId/maintenance-plans/:planId/cancellation')
  @WriteDocs('Cancel a maintenance plan', CommandResultResponseDto)
  cancelMaintenancePlan(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Param('planId', EntityIdPipe) planId: string,
    @Body() body: CancelMaintenancePlanRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'CancelMaintenancePlan',
      data: {
        ...customerAt(customerId, body),
        planId,
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      },
    };
    return this.send(context, res, command, { customerId, planId });
  }

  @Roles('admin')
  @Post(':customerId/pii-erasure')
  @WriteDocs("Erase the customer's personal data (idempotent)", CommandResultResponseDto)
  erasePii(
    @Param('customerId', EntityIdPipe) customerId: string,
    @Body() body: EraseCustomerPiiRequestDto,
    @WriteContext() context: CommandContext,
    @Res({ passthrough: true }) res: WriteHttpResponse,
  ) {
    const command: CustomerCommand = {
      type: 'EraseCustomerPii',
      data: {
        ...customerAt(customerId, body),
        requestedBy: body.requestedBy ?? 'customer',
        ...(body.reason !== undefined ? { reason: body.reason } : {}),
      },
    };
    return this.send(context, res, command, { customerId });
  }

  @Roles('admin')
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

  /** Sends the command on the bus and answers the result with the ids the client needs. */
  private async send<Ids extends { customerId: string }>(
    context: CommandContext,
    res: WriteHttpResponse,
    command: CustomerCommand,
    ids: Ids,
  ) {
    const result: CommandResult = await this.commandBus.execute(
      new CustomerCommandEnvelope(command, context),
    );
    return writeResponse(result, res, ids);
  }
}

/** What every customer command carries first: the stream's customer and the business time. */
function customerAt(customerId: string, body: { occurredAt?: string }) {
  return { customerId, occurredAt: occurredAt(body) };
}

/** Command data taken over from the body as is, with the ids the API fills in. */
function fromBody<T extends { occurredAt?: string }, Ids extends object>(
  customerId: string,
  body: T,
  ids: Ids,
): Body<T> & Ids & { customerId: string; occurredAt: string } {
  const { occurredAt: _ignored, ...rest } = body;
  return { ...rest, ...ids, customerId, occurredAt: occurredAt(body) };
}
