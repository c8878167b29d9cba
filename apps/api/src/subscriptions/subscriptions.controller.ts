import {
  Body,
  Controller,
  Delete,
  Get,
  HttpCode,
  Param,
  ParseUUIDPipe,
  Post,
} from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import {
  type DeliveryLogEntry,
  Roles,
  WebhookService,
  type WebhookView,
} from '@aftercare/application';
import { ApiProblems, COMMON_PROBLEMS } from '../problem/api-problems.decorator';
import { RegisterSubscriptionRequestDto } from './register-subscription.request.dto';
import { DeliveryLogEntryResponseDto, WebhookViewResponseDto } from './webhook.response.dto';

/** Webhooks for services that cannot hold an SSE connection. */
@ApiTags('subscriptions')
@ApiProblems(...COMMON_PROBLEMS)
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(private readonly webhooks: WebhookService) {}

  @Roles('admin')
  @Post()
  @ApiCreatedResponse({
    type: WebhookViewResponseDto,
    description: 'Registered; deliveries start at once',
  })
  @ApiProblems(400, 413, 415)
  register(@Body() body: RegisterSubscriptionRequestDto): Promise<WebhookView> {
    const from =
      body.from === undefined || body.from === 'start' || body.from === 'end'
        ? body.from
        : BigInt(body.from);
    return this.webhooks.register(
      {
        url: body.url,
        secret: body.secret,
        categories: body.categories,
        typePrefixes: body.types,
        customerId: body.customerId,
        maxAttempts: body.maxAttempts,
        from,
      },
      new Date().toISOString(),
    );
  }

  @Roles('service')
  @Get()
  @ApiOkResponse({ type: WebhookViewResponseDto, isArray: true })
  list(): Promise<WebhookView[]> {
    return this.webhooks.list();
  }

  @Roles('service')
  @Get(':id')
  @ApiOkResponse({ type: WebhookViewResponseDto })
  @ApiProblems(400, 404)
  get(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookView> {
    return this.webhooks.view(id);
  }

  @Roles('service')
  @Get(':id/deliveries')
  @ApiOkResponse({ type: DeliveryLogEntryResponseDto, isArray: true })
  @ApiProblems(400, 404)
  deliveries(@Param('id', ParseUUIDPipe) id: string): Promise<DeliveryLogEntry[]> {
    return this.webhooks.deliveries(id);
  }

  @Roles('service')
  @Post(':id/replay')
  @HttpCode(200)
  @ApiOkResponse({
    type: WebhookViewResponseDto,
    description: 'Dead letter cleared; deliveries resume from it',
  })
  @ApiProblems(400, 404, 415)
  replay(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookView> {
    return this.webhooks.replay(id, new Date().toISOString());
  }

  @Roles('admin')
  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse({ description: 'Removed; deliveries stop' })
  @ApiProblems(400, 404)
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.webhooks.remove(id, new Date().toISOString());
  }
}
