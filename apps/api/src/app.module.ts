import { Module } from '@nestjs/common';
import { EventFeedModule, EventStoreModule, WebhookModule } from '@aftercare/application';
import { EventStreamController } from './events/event-stream.controller';
import { HealthController } from './health/health.controller';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';

@Module({
  imports: [EventStoreModule, EventFeedModule, WebhookModule],
  controllers: [HealthController, EventStreamController, SubscriptionsController],
})
export class AppModule {}
