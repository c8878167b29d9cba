import { Module } from '@nestjs/common';
import {
  AuditCheckpointScheduler,
  EventFeedModule,
  EventStoreModule,
  ProjectionsModule,
  READ_MODEL_STORE,
  SignalsModule,
  WarrantyAuditModule,
  WarrantyDecisionsModule,
  WebhookModule,
} from '@aftercare/application';
import { AuthModule } from './auth/auth.module';
import { EngineReplayController } from './audit/engine-replay.controller';
import { PolicyReplayController } from './audit/policy-replay.controller';
import { WarrantyAuditController } from './audit/warranty-audit.controller';
import { EventStreamController } from './events/event-stream.controller';
import { SessionController } from './console/session.controller';
import { FollowUpsApiModule } from './follow-ups/follow-ups-api.module';
import { HealthModule } from './health/health.module';
import { HttpHardeningModule } from './http/http-hardening.module';
import { ReadApiModule } from './read/read-api.module';
import { SubscriptionsController } from './subscriptions/subscriptions.controller';
import { WriteApiModule } from './write/write-api.module';

@Module({
  imports: [
    HttpHardeningModule,
    EventStoreModule,
    AuthModule,
    EventFeedModule,
    // Embedded deployment: the API runs the projections itself (AFTERCARE_PROJECTIONS overrides).
    ProjectionsModule.forRoot({ runByDefault: 'when-embedded' }),
    WebhookModule,
    WarrantyAuditModule,
    WarrantyDecisionsModule,
    WriteApiModule,
    ReadApiModule.register({ readModels: { useExisting: READ_MODEL_STORE } }),
    SignalsModule,
    FollowUpsApiModule,
    HealthModule,
  ],
  controllers: [
    EventStreamController,
    SubscriptionsController,
    WarrantyAuditController,
    EngineReplayController,
    PolicyReplayController,
    SessionController,
  ],
  // Signs warranty stream heads on a timer, as a scheduled consumer of the projection runtime.
  providers: [AuditCheckpointScheduler],
})
export class AppModule {}
