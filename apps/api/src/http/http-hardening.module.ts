import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { ThrottlerModule } from '@nestjs/throttler';
import { AFTERCARE_CONFIG, type AftercareConfig } from '@aftercare/application';
import { CallerThrottlerGuard, throttlerOptions } from './caller-throttler.guard';

/** Per-caller rate limits on every route (AFTERCARE_RATE_LIMIT, AFTERCARE_RATE_LIMIT_WINDOW_S). */
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AFTERCARE_CONFIG],
      useFactory: (config: AftercareConfig) => throttlerOptions(config.http.rateLimit),
    }),
  ],
  providers: [{ provide: APP_GUARD, useClass: CallerThrottlerGuard }],
})
export class HttpHardeningModule {}
