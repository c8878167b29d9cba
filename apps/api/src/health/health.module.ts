import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { HealthController } from './health.controller';
import { RuntimeHealthIndicators } from './runtime-health.indicators';

/** /health/live, /health/ready and /health, on @nestjs/terminus over the runtime's snapshot. */
@Module({
  imports: [TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [RuntimeHealthIndicators],
})
export class HealthModule {}
