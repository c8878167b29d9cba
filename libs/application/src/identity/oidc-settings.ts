import { ConfigError } from '@aftercare/event-store';

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
export function loadOidcSettings(env: NodeJS.ProcessEnv): OidcSettings | undefined {
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
