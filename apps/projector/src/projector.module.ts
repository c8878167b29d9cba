import { Module } from '@nestjs/common';
import {
  EventFeedModule,
  EventStoreModule,
  FollowUpsModule,
  PiiModule,
  ProjectionsModule,
  SignalsModule,
  WebhookModule,
  loggingParams,
} from '@aftercare/application';
import { LoggerModule } from 'nestjs-pino';
import { PositionLogger } from './position-logger';

/**
 * The distributed deployment's worker: runs every projection (several instances share them by
 * lease), the derived signals, webhook deliveries, the playbook reactor and due-time sweep, and the scheduled
 * CLV refit.
 */
@Module({
  imports: [
    LoggerModule.forRoot(loggingParams()),
    EventStoreModule,
    PiiModule,
    ProjectionsModule.forRoot({ runByDefault: true }),
    SignalsModule,
    EventFeedModule,
    WebhookModule,
    FollowUpsModule,
  ],
  providers: [PositionLogger],
})
export class ProjectorModule {}
