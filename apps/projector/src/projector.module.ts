import { Module } from '@nestjs/common';
import { EventStoreModule, ProjectionsModule } from '@aftercare/application';
import { PositionLogger } from './position-logger';

/** The distributed deployment's worker: runs every projection (several instances share them by lease). */
@Module({
  imports: [EventStoreModule, ProjectionsModule.forRoot({ runByDefault: true })],
  providers: [PositionLogger],
})
export class ProjectorModule {}
