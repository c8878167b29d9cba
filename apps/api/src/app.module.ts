import { Module } from '@nestjs/common';
import { EventStoreModule } from '@aftercare/application';
import { HealthController } from './health/health.controller';

@Module({
  imports: [EventStoreModule],
  controllers: [HealthController],
})
export class AppModule {}
