import { Logger } from '@nestjs/common';
import { createRemoteJWKSet, jwtVerify, type JWTPayload } from 'jose';
import { ConfigError } from '@aftercare/event-store';
import { KEY_SCOPES } from './api-keys';
import { ROLES, type Principal, type Role } from './principal';

export interface OidcSettings {
  issuer: string;
  audience: string;
  /** A claim name, or a dotted path into nested claims (`realm_access.roles`). */
  rolesClaim: string;
  /**
   * The web console's sign-in (authorization code with PKCE, a public client): the client id
   * registered at the issuer and the scopes it asks for. Absent, the console takes pasted tokens.
   */
  console?: { clientId: string; scopes: string };
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * OIDC bearer tokens are optional: AFTERCARE_OIDC_ISSUER turns them on and then needs
 * AFTERCARE_OIDC_AUDIENCE; AFTERCARE_OIDC_ROLES_CLAIM says where the roles are (default `roles`).
 * AFTERCARE_OIDC_CLIENT_ID turns on the console's sign-in at the issuer, asking for
 * AFTERCARE_OIDC_SCOPES (default `openid`).
 */
export function loadOidcSettings(env: NodeJS.ProcessEnv = process.env): OidcSettings | undefined {
  const issuer = env.AFTERCARE_OIDC_ISSUER?.trim();
  const audience = env.AFTERCARE_OIDC_AUDIENCE?.trim();
  const rolesClaim = env.AFTERCARE_OIDC_ROLES_CLAIM?.trim() || 'roles';
  const clientId = env.AFTERCARE_OIDC_CLIENT_ID?.trim();
  const scopes = env.AFTERCARE_OIDC_SCOPES?.trim().replace(/\s+/g, ' ');
  if (!issuer) {
    for (const name of [
      'AFTERCARE_OIDC_AUDIENCE',
      'AFTERCARE_OIDC_ROLES_CLAIM',
      'AFTERCARE_OIDC_CLIENT_ID',
      'AFTERCARE_OIDC_SCOPES',
    ]) {
      if (env[name]?.trim()) {
        throw new ConfigError(name, 'is set but AFTERCARE_OIDC_ISSUER is not; set both or neither');
      }
    }
    return undefined;
  }
  let url: URL;
  try {
    url = new URL(issuer);
  } catch {
    throw new ConfigError('AFTERCARE_OIDC_ISSUER', `'${issuer}' is not a URL`);
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && LOOPBACK.has(url.hostname))) {
    throw new ConfigError(
      'AFTERCARE_OIDC_ISSUER',
      `'${issuer}' must be https (plain http only on loopback, for tests)`,
    );
  }
  if (!audience) {
    throw new ConfigError(
      'AFTERCARE_OIDC_AUDIENCE',
      'is required when AFTERCARE_OIDC_ISSUER is set',
    );
  }
  if (!/^[A-Za-z0-9_:/-]+(\.[A-Za-z0-9_:/-]+)*$/.test(rolesClaim)) {
    throw new ConfigError(
      'AFTERCARE_OIDC_ROLES_CLAIM',
      `'${rolesClaim}' must be a claim name or a dotted path of claim names`,
    );
  }
  if (scopes && !clientId) {
    throw new ConfigError('AFTERCARE_OIDC_SCOPES', 'is set but AFTERCARE_OIDC_CLIENT_ID is not');
  }
  if (clientId !== undefined && !/^[\x21-\x7e]+$/.test(clientId)) {
    throw new ConfigError('AFTERCARE_OIDC_CLIENT_ID', 'must be printable ASCII without spaces');
  }
  if (
    scopes !== undefined &&
    !/^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/.test(scopes)
  ) {
    throw new ConfigError(
      'AFTERCARE_OIDC_SCOPES',
      `'${scopes}' is not a space-separated scope list`,
    );
  }
  const console = clientId ? { clientId, scopes: scopes || 'openid' } : undefined;
  return { issuer, audience, rolesClaim, ...(console ? { console } : {}) };
}

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
