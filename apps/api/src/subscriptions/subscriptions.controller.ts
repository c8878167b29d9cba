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
import {
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiNotFoundResponse,
  ApiTags,
} from '@nestjs/swagger';
import { type DeliveryLogEntry, WebhookService, type WebhookView } from '@aftercare/application';
import { RegisterSubscriptionRequestDto } from './register-subscription.request.dto';

/** Webhooks for services that cannot hold an SSE connection. */
@ApiTags('subscriptions')
@Controller('v1/subscriptions')
export class SubscriptionsController {
  constructor(private readonly webhooks: WebhookService) {}

  @Post()
  @ApiCreatedResponse({ description: 'Registered; deliveries start at once' })
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

  @Get()
  list(): Promise<WebhookView[]> {
    return this.webhooks.list();
  }

  @Get(':id')
  @ApiNotFoundResponse()
  get(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookView> {
    return this.webhooks.view(id);
  }

  @Get(':id/deliveries')
  @ApiNotFoundResponse()
  deliveries(@Param('id', ParseUUIDPipe) id: string): DeliveryLogEntry[] {
    return this.webhooks.deliveries(id);
  }

  @Post(':id/replay')
  @HttpCode(200)
  @ApiNotFoundResponse()
  replay(@Param('id', ParseUUIDPipe) id: string): Promise<WebhookView> {
    return this.webhooks.replay(id, new Date().toISOString());
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiNoContentResponse()
  remove(@Param('id', ParseUUIDPipe) id: string): Promise<void> {
    return this.webhooks.remove(id, new Date().toISOString());
  }
}
