import { ConfigError } from '@aftercare/event-store';
import { loadOidcSettings, principalOfToken } from './oidc';

describe('OIDC settings', () => {
  const error = (env: NodeJS.ProcessEnv): string => {
    try {
      loadOidcSettings(env);
    } catch (e) {
      if (e instanceof ConfigError) return e.message;
      throw e;
    }
    return 'no error';
  };

  it('are off without an issuer, and name the variable that is wrong', () => {
    expect(loadOidcSettings({})).toBeUndefined();
    expect(error({ AFTERCARE_OIDC_AUDIENCE: 'api' })).toMatch(/^AFTERCARE_OIDC_AUDIENCE: .*ISSUER/);
    expect(error({ AFTERCARE_OIDC_ISSUER: 'not a url' })).toMatch(/^AFTERCARE_OIDC_ISSUER: /);
    expect(error({ AFTERCARE_OIDC_ISSUER: 'http://idp.example.com' })).toMatch(/must be https/);
    expect(error({ AFTERCARE_OIDC_ISSUER: 'https://idp.example.com' })).toMatch(
      /^AFTERCARE_OIDC_AUDIENCE: is required/,
    );
    expect(
      error({
        AFTERCARE_OIDC_ISSUER: 'https://idp.example.com',
        AFTERCARE_OIDC_AUDIENCE: 'api',
        AFTERCARE_OIDC_ROLES_CLAIM: 'roles[0]',
      }),
    ).toMatch(/^AFTERCARE_OIDC_ROLES_CLAIM: /);
    expect(
      loadOidcSettings({
        AFTERCARE_OIDC_ISSUER: 'https://idp.example.com',
        AFTERCARE_OIDC_AUDIENCE: 'api',
      }),
    ).toEqual({ issuer: 'https://idp.example.com', audience: 'api', rolesClaim: 'roles' });
  });

  it("configure the console's sign-in only with a client id, asking for openid by default", () => {
    const base = {
      AFTERCARE_OIDC_ISSUER: 'https://idp.example.com',
      AFTERCARE_OIDC_AUDIENCE: 'api',
    };
    expect(loadOidcSettings({ ...base, AFTERCARE_OIDC_CLIENT_ID: 'aftercare-console' })).toEqual({
      issuer: 'https://idp.example.com',
      audience: 'api',
      rolesClaim: 'roles',
      console: { clientId: 'aftercare-console', scopes: 'openid' },
    });
    expect(
      loadOidcSettings({
        ...base,
        AFTERCARE_OIDC_CLIENT_ID: 'c',
        AFTERCARE_OIDC_SCOPES: ' openid   profile email ',
      })?.console,
    ).toEqual({ clientId: 'c', scopes: 'openid profile email' });
    expect(error({ AFTERCARE_OIDC_CLIENT_ID: 'c' })).toMatch(/^AFTERCARE_OIDC_CLIENT_ID: .*ISSUER/);
    expect(error({ ...base, AFTERCARE_OIDC_SCOPES: 'openid' })).toMatch(
      /^AFTERCARE_OIDC_SCOPES: .*CLIENT_ID/,
    );
    expect(error({ ...base, AFTERCARE_OIDC_CLIENT_ID: 'a b' })).toMatch(
      /^AFTERCARE_OIDC_CLIENT_ID: /,
    );
    expect(
      error({ ...base, AFTERCARE_OIDC_CLIENT_ID: 'c', AFTERCARE_OIDC_SCOPES: 'openid "x"' }),
    ).toMatch(/^AFTERCARE_OIDC_SCOPES: /);
  });

  it('take only known roles and the pii:read scope from a token', () => {
    expect(
      principalOfToken(
        {
          sub: 's-1',
          email: 'svc@example.com',
          roles: 'service admin-ish',
          scope: 'openid pii:read',
        },
        'roles',
      ),
    ).toEqual({
      id: 'oidc:s-1',
      name: 'svc@example.com',
      kind: 'oidc',
      roles: ['service'],
      scopes: ['pii:read'],
    });
    expect(principalOfToken({ roles: ['admin'] }, 'roles')).toBeUndefined();
  });
});
