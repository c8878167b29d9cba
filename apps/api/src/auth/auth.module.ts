import { Module } from '@nestjs/common';
import { APP_GUARD, APP_INTERCEPTOR } from '@nestjs/core';
import { IdentityModule } from '@aftercare/application';
import { AccessLogController } from './access-log.controller';
import { AccessLogInterceptor } from './access-log.interceptor';
import { AuthGuard } from './auth.guard';

/**
 * Installs the auth guard on every route of the application that imports it, records the reads
 * `@RecordsAccess` marks, and serves the access log to admins.
 */
@Module({
  imports: [IdentityModule],
  controllers: [AccessLogController],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_INTERCEPTOR, useClass: AccessLogInterceptor },
  ],
})
export class AuthModule {}
