import { Module } from '@nestjs/common';
import {
  EventFeedModule,
  EventStoreModule,
  PiiModule,
  ProjectionsModule,
  SignalsModule,
  WebhookModule,
} from '@aftercare/application';
import { PositionLogger } from './position-logger';

/**
 * The distributed deployment's worker: runs every projection (several instances share them by
 * lease), the derived signals, webhook deliveries and the scheduled CLV refit.
 */
@Module({
  imports: [
    EventStoreModule,
    PiiModule,
    ProjectionsModule.forRoot({ runByDefault: true }),
    SignalsModule,
    EventFeedModule,
    WebhookModule,
  ],
  providers: [PositionLogger],
})
export class ProjectorModule {}
