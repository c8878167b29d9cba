import 'reflect-metadata';
import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { exportJWK, generateKeyPair, type KeyLike, SignJWT } from 'jose';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { type BrowserContext, launchChromium, screenshot, watchErrors } from './support/browser';

// The bundler is plain JavaScript shared with tools/build.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureConsoleBuilt } = require('../../tools/console-bundle') as {
  ensureConsoleBuilt: () => boolean;
};

jest.setTimeout(120_000);

const CLIENT_ID = 'aftercare-console';
const ENV = [
  'AFTERCARE_STORE',
  'AFTERCARE_SQLITE_PATH',
  'AFTERCARE_WEBHOOKS',
  'AFTERCARE_OIDC_ISSUER',
  'AFTERCARE_OIDC_AUDIENCE',
  'AFTERCARE_OIDC_CLIENT_ID',
  'AFTERCARE_OIDC_SCOPES',
];

interface Grant {
  clientId: string;
  redirectUri: string;
  challenge: string;
}

/**
 * An identity provider as the console meets one: discovery, an authorization endpoint that signs
 * the user in at once (or refuses, when told to), a token endpoint that checks the PKCE verifier
 * and hands out a signed access token, and its keys. The browser reaches it cross-origin.
 */
class TestIdentityProvider {
  readonly grants = new Map<string, Grant>();
  readonly tokenRequests: URLSearchParams[] = [];
  refuseNext = false;
  issuer = '';
  private server?: Server;
  private key?: KeyLike;
  private jwk?: object;

  async start(): Promise<void> {
    const pair = await generateKeyPair('RS256');
    this.key = pair.privateKey;
    this.jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    this.server = createServer((req, res) => {
      void this.handle(req).then(({ status, headers, body }) => {
        res.writeHead(status, { 'access-control-allow-origin': '*', ...headers });
        res.end(body);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.issuer = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/realms/shop`;
  }

  stop(): Promise<void> {
    return new Promise((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(
    req: IncomingMessage,
  ): Promise<{ status: number; headers?: Record<string, string>; body?: string }> {
    const url = new URL(req.url ?? '/', this.issuer);
    const json = (status: number, body: unknown) => ({
      status,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    switch (url.pathname.replace('/realms/shop', '')) {
      case '/.well-known/openid-configuration':
        return json(200, {
          issuer: this.issuer,
          authorization_endpoint: `${this.issuer}/auth`,
          token_endpoint: `${this.issuer}/token`,
          jwks_uri: `${this.issuer}/certs`,
        });
      case '/certs':
        return json(200, { keys: [this.jwk] });
      case '/auth':
        return this.authorize(url.searchParams);
      case '/token': {
        if (req.method === 'OPTIONS') return { status: 204 };
        let text = '';
        for await (const chunk of req) text += String(chunk);
        return this.token(new URLSearchParams(text));
      }
      default:
        return { status: 404 };
    }
  }

  private authorize(query: URLSearchParams) {
    const redirect = new URL(query.get('redirect_uri') ?? '');
    redirect.searchParams.set('state', query.get('state') ?? '');
    if (this.refuseNext) {
      this.refuseNext = false;
      redirect.searchParams.set('error', 'access_denied');
      redirect.searchParams.set('error_description', 'the user declined');
    } else {
      expect(Object.fromEntries(query)).toMatchObject({
        response_type: 'code',
        client_id: CLIENT_ID,
        scope: 'openid profile',
        code_challenge_method: 'S256',
      });
      const code = randomUUID();
      this.grants.set(code, {
        clientId: query.get('client_id')!,
        redirectUri: query.get('redirect_uri')!,
        challenge: query.get('code_challenge')!,
      });
      redirect.searchParams.set('code', code);
    }
    return { status: 302, headers: { location: redirect.toString() } };
  }

  private async token(form: URLSearchParams) {
    this.tokenRequests.push(form);
    const grant = this.grants.get(form.get('code') ?? '');
    this.grants.delete(form.get('code') ?? '');
    const verifier = form.get('code_verifier') ?? '';
    const challenge = createHash('sha256').update(verifier).digest('base64url');
    const error = (description: string) => ({
      status: 400,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ error: 'invalid_grant', error_description: description }),
    });
    if (form.get('grant_type') !== 'authorization_code') return error('wrong grant type');
    if (!grant) return error('unknown or used code');
    if (grant.clientId !== form.get('client_id')) return error('another client');
    if (grant.redirectUri !== form.get('redirect_uri')) return error('another redirect uri');
    if (grant.challenge !== challenge) return error('the verifier does not match the challenge');
    const accessToken = await new SignJWT({ roles: ['analyst'], name: 'Ada Analyst' })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(this.issuer)
      .setAudience('aftercare-api')
      .setSubject('ada')
      .setIssuedAt()
      .setExpirationTime('5m')
      .sign(this.key!);
    return {
      status: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ access_token: accessToken, token_type: 'Bearer', expires_in: 300 }),
    };
  }
}

/**
 * The console's sign-in at the organisation's identity provider (authorization code with PKCE),
 * in Chromium, against an identity provider on another origin: the user comes back signed in
 * with the roles of the token, where they started, and a forged or refused return signs no one in.
 */
describe('console sign-in at an OIDC identity provider', () => {
  const idp = new TestIdentityProvider();
  let app: INestApplication;
  let baseUrl: string;
  let dir: string;
  let browser: BrowserContext;
  const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    ensureConsoleBuilt();
    await idp.start();
    dir = mkdtempSync(join(tmpdir(), 'aftercare-console-oidc-'));
    Object.assign(process.env, {
      AFTERCARE_STORE: 'sqlite',
      AFTERCARE_SQLITE_PATH: join(dir, 'aftercare.db'),
      AFTERCARE_WEBHOOKS: 'off',
      AFTERCARE_OIDC_ISSUER: idp.issuer,
      AFTERCARE_OIDC_AUDIENCE: 'aftercare-api',
      AFTERCARE_OIDC_CLIENT_ID: CLIENT_ID,
      AFTERCARE_OIDC_SCOPES: 'openid profile',
    });
    app = await createApiApp({ logger: false });
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    browser = await launchChromium(join(dir, 'chromium'));
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await idp.stop();
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('signs in at the issuer and comes back to the page it started from, with the token’s roles', async () => {
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${baseUrl}/console/analytics?metric=nps`);
    const host = new URL(idp.issuer).host;
    await page.getByRole('button', { name: `Sign in with ${host}` }).click();
    await page.getByRole('navigation', { name: 'Console' }).waitFor();
    expect(await page.getByText('Ada Analyst (analyst)').count()).toBe(1);
    // Back where it started; the code is gone from the address bar and from the history.
    expect(new URL(page.url()).pathname + new URL(page.url()).search).toBe(
      '/console/analytics?metric=nps',
    );
    await page.goBack();
    expect(page.url()).not.toContain('code=');
    // One exchange, with the verifier whose hash the authorization request carried.
    expect(idp.tokenRequests).toHaveLength(1);
    expect(idp.tokenRequests[0].get('redirect_uri')).toBe(`${baseUrl}/console/callback`);
    await screenshot(page, 'oidc-signed-in');
    await page.close();
    expect(errors).toEqual([]);
  });

  it('signs no one in from a callback it did not start, nor when the issuer refuses', async () => {
    const before = idp.tokenRequests.length;
    const page = await browser.newPage();
    const errors = watchErrors(page);
    await page.goto(`${baseUrl}/console/callback?code=stolen&state=forged`);
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).toMatch(/not started here/);
    expect(idp.tokenRequests).toHaveLength(before);

    idp.refuseNext = true;
    await page.getByRole('button', { name: /^Sign in with / }).click();
    await page.getByText('The identity provider refused the sign-in: the user declined.').waitFor();
    expect(await page.getByRole('navigation', { name: 'Console' }).count()).toBe(0);
    expect(idp.tokenRequests).toHaveLength(before);
    await page.close();
    expect(errors).toEqual([]);
  });
});
