import { Inject, Injectable, Optional } from '@nestjs/common';
import { API_KEY_PATTERN } from './api-key';
import { ApiKeys } from './api-keys';
import { OidcVerifier } from './oidc';
import type { Principal } from './principal';

/**
 * Turns an `Authorization` header into the caller's principal, or undefined: an API key
 * (`ak_<id>_<secret>`), or, when OIDC is configured, a token from the issuer.
 */
@Injectable()
export class Authenticator {
  constructor(
    @Inject(ApiKeys) private readonly keys: ApiKeys,
    @Optional() @Inject(OidcVerifier) private readonly oidc?: OidcVerifier | null,
  ) {}

  async authenticate(authorization: string | undefined): Promise<Principal | undefined> {
    const match = /^Bearer +(\S+) *$/i.exec(authorization ?? '');
    if (!match) return undefined;
    const token = match[1];
    if (API_KEY_PATTERN.test(token)) return this.keys.authenticate(token);
    return this.oidc ? this.oidc.authenticate(token) : undefined;
  }
}
