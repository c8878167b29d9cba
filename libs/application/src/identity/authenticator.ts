import { Inject, Injectable } from '@nestjs/common';
import { ApiKeys } from './api-keys';
import type { Principal } from './principal';

/** Turns an `Authorization` header into the caller's principal, or undefined. */
@Injectable()
export class Authenticator {
  constructor(@Inject(ApiKeys) private readonly keys: ApiKeys) {}

  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match) return undefined;
    return this.keys.authenticate(match[1]);
  }
}
