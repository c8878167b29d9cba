import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { IdentityModule } from '@aftercare/application';
import { AuthGuard } from './auth.guard';

/** Installs the auth guard on every route of the application that imports it. */
@Module({
  imports: [IdentityModule],
  providers: [{ provide: APP_GUARD, useClass: AuthGuard }],
})
export class AuthModule {}
