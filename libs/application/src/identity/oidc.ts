import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import type { OidcSettings } from './oidc-settings';
import { KEY_SCOPES } from './api-keys';
import { ROLES, type Principal, type Role } from './principal';

export { loadOidcSettings, type OidcSettings } from './oidc-settings';

/** Asymmetric algorithms only: a token signed with a shared secret is never accepted. */
const ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

type KeySet = ReturnType<typeof createRemoteJWKSet>;

/**
 * Verifies OIDC access tokens: the JWKS address is discovered from the issuer once
 * (`/.well-known/openid-configuration`) and jose caches the keys, fetching again only for an
 * unknown key id (at most every 30 s). A discovery failure is retried on the next token.
 */
export class OidcVerifier {
  private readonly logger = new Logger('OIDC');
  private keys?: Promise<KeySet>;

  constructor(private readonly settings: OidcSettings) {}

  async authenticate(token: string): Promise<Principal | undefined> {
    const keys = await this.keySet().catch((error: unknown) => {
      this.keys = undefined;
      this.logger.warn(`OIDC discovery at ${this.settings.issuer} failed: ${String(error)}`);
      return undefined;
    });
    if (!keys) return undefined;
    try {
      const { payload } = await jwtVerify(token, keys, {
        issuer: this.settings.issuer,
        audience: this.settings.audience,
        algorithms: ALGORITHMS,
      });
      return principalOfToken(payload, this.settings.rolesClaim);
    } catch {
      return undefined;
    }
  }

  private keySet(): Promise<KeySet> {
    this.keys ??= (async () => {
      const base = this.settings.issuer.replace(/\/+$/, '');
      const response = await fetch(`${base}/.well-known/openid-configuration`, {
        redirect: 'error',
        signal: AbortSignal.timeout(5000),
      });
      if (!response.ok) throw new Error(`discovery answered ${response.status}`);
      const document = (await response.json()) as { issuer?: unknown; jwks_uri?: unknown };
      if (document.issuer !== this.settings.issuer) {
        throw new Error(`the discovery document names issuer '${String(document.issuer)}'`);
      }
      if (typeof document.jwks_uri !== 'string') throw new Error('no jwks_uri in discovery');
      return createRemoteJWKSet(new URL(document.jwks_uri), { timeoutDuration: 5000 });
    })();
    return this.keys;
  }
}

function claimAt(payload: JWTPayload, path: string): unknown {
  return path
    .split('.')
    .reduce<unknown>(
      (value, name) =>
        value !== null && typeof value === 'object'
          ? (value as Record<string, unknown>)[name]
          : undefined,
      payload,
    );
}

function strings(value: unknown): string[] {
  if (typeof value === 'string') return value.split(/[\s,]+/).filter(Boolean);
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** A token's identity: `oidc:<sub>`, the known roles in the roles claim, `pii:read` if granted. */
export function principalOfToken(payload: JWTPayload, rolesClaim: string): Principal | undefined {
  if (typeof payload.sub !== 'string' || payload.sub === '') return undefined;
  const roles = strings(claimAt(payload, rolesClaim)).filter((r): r is Role =>
    (ROLES as readonly string[]).includes(r),
  );
  const granted = [...strings(payload.scope), ...strings(payload.scp)];
  const label = [payload.name, payload.email, payload.preferred_username].find(
    (v): v is string => typeof v === 'string' && v !== '',
  );
  return {
    id: `oidc:${payload.sub}`,
    name: label ?? payload.sub,
    kind: 'oidc',
    roles: [...new Set(roles)],
    scopes: KEY_SCOPES.filter((s) => granted.includes(s)),
  };
}
