import { Module } from '@nestjs/common';
import { EventStoreModule } from '@aftercare/application';
import { PositionLogger } from './position-logger';

@Module({
  imports: [EventStoreModule],
  providers: [PositionLogger],
})
export class ProjectorModule {}
