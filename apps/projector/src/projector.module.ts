import { Module } from '@nestjs/common';
import {
  EventFeedModule,
  EventStoreModule,
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
 * lease), the derived signals, webhook deliveries and the scheduled CLV refit.
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
  ],
  providers: [PositionLogger],
})
export class ProjectorModule {}
