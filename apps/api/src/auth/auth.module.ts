import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IdentityModule } from '@aftercare/application';
import { AccessLogController } from './access-log.controller';
import { AccessRecorder } from './access-recorder';
import { AuthGuard } from './auth.guard';

/**
 * Installs the auth guard on every route of the application that imports it, records the reads
 * `@RecordsAccess` marks, and serves the access log to admins.
 */
@Module({
  imports: [IdentityModule],
  controllers: [AccessLogController],
  providers: [AccessRecorder, { provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
