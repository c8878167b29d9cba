import { Module } from '@nestjs/common';
import {
  EventFeedModule,
  EventStoreModule,
  WarrantyAuditModule,
  WebhookModule,
} from '@aftercare/application';
import { WarrantyAuditController } from './audit/warranty-audit.controller';
import { EventStreamController } from './events/event-stream.controller';
import { HealthController } from './health/health.controller';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { WriteApiModule } from './write/write-api.module';

@Module({
  imports: [EventStoreModule, EventFeedModule, WebhookModule, WarrantyAuditModule, WriteApiModule],
  controllers: [
    HealthController,
    EventStreamController,
    SubscriptionsController,
    WarrantyAuditController,
  ],
})
export class AppModule {}
