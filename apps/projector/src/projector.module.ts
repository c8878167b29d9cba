import { Module } from '@nestjs/common';
import { EventStoreModule, ProjectionsModule, SignalsModule } from '@aftercare/application';
import { PositionLogger } from './position-logger';

/**
 * The distributed deployment's worker: runs every projection (several instances share them by
 * lease), the derived signals and the scheduled CLV refit.
 */
@Module({
  imports: [EventStoreModule, ProjectionsModule.forRoot({ runByDefault: true }), SignalsModule],
  providers: [PositionLogger],
})
export class ProjectorModule {}
