import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type {} from '@fastify/static';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import helmet from 'helmet';
import type { OidcSettings } from '@aftercare/application';
import { problemType } from '../problem/problem-details.filter';

/**
 * The bundle `tools/console-bundle.js` writes to dist/console: four levels up from the built file
 * (dist/apps/api/src/console), or below dist/ four levels up from the source (apps/api/src/console).
 */
const up = join(__dirname, '..', '..', '..', '..');
export const CONSOLE_DIR =
  [join(up, 'console'), join(up, 'dist', 'console')].find((dir) =>
    existsSync(join(dir, 'index.html')),
  ) ?? join(up, 'dist', 'console');

/**
 * The console's own policy: scripts, styles and data from this origin only, no framing, no
 * plugins. Unlike the API-wide default it does not ask to upgrade requests to https, so the
 * console also works on plain http://127.0.0.1 (put TLS in front for anything else). With the
 * OIDC sign-in on, the browser also talks to the issuer's origin (discovery and token endpoint).
 */
const consolePolicy = (issuerOrigin?: string) =>
  helmet.contentSecurityPolicy({
    useDefaults: false,
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: issuerOrigin ? ["'self'", issuerOrigin] : ["'self'"],
      fontSrc: ["'self'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      frameAncestors: ["'none'"],
    },
  });

/** What the sign-in page needs to offer the issuer's sign-in (public: it holds no secret). */
export interface ConsoleSignIn {
  oidc: { issuer: string; clientId: string; scopes: string } | null;
}

export function consoleSignIn(oidc: OidcSettings | undefined): ConsoleSignIn {
  return {
    oidc: oidc?.console
      ? { issuer: oidc.issuer, clientId: oidc.console.clientId, scopes: oidc.console.scopes }
      : null,
  };
}

/** `/console` and every path below it. */
function isConsolePath(url: string): boolean {
  return url.startsWith('/console') && (url.length === 8 || '/?'.includes(url[8]));
}

/**
 * Serves the web console under /console, same origin as the API: its files, and index.html for
 * every other GET below /console so the browser's own routes (/console/customers/ada) load the
 * app. The files hold no data; the app signs in and reads the API with the caller's credentials.
 */
export function serveConsole(
  app: NestFastifyApplication,
  options: { dir?: string; oidc?: OidcSettings } = {},
): void {
  const dir = options.dir ?? CONSOLE_DIR;
  const signIn = consoleSignIn(options.oidc);
  const fastify = app.getHttpAdapter().getInstance();
  const policy = consolePolicy(signIn.oidc ? new URL(signIn.oidc.issuer).origin : undefined);
  // After the API-wide headers, so the console's policy replaces the default one. The files and
  // the sign-in settings change with each deployment: browsers check before reusing them.
  fastify.addHook('onRequest', (request, reply, done) => {
    if (!isConsolePath(request.url)) return done();
    reply.header('Cache-Control', 'no-cache');
    policy(request.raw, reply.raw, (error?: unknown) => done(error as Error | undefined));
  });
  fastify.get('/console/sign-in.json', (_request, reply) => reply.send(signIn));
  // The files found at start, one route each; anything else falls through to the app below.
  app.useStaticAssets({
    root: dir,
    prefix: '/console/',
    index: false,
    wildcard: false,
    // Every answer below /console says no-cache (the hook above), files included.
    cacheControl: false,
  });
  const serveApp = (request: FastifyRequest, reply: FastifyReply) => {
    // A missing asset is a 404, not the app.
    if (request.url.startsWith('/console/assets/')) return reply.callNotFound();
    if (!existsSync(join(dir, 'index.html'))) {
      return reply
        .status(503)
        .type('application/problem+json')
        .send({
          type: problemType('console_not_built'),
          title: 'Console not built',
          status: 503,
          detail: 'The web console has not been bundled: run `npm run build`',
          code: 'console_not_built',
        });
    }
    return reply.sendFile('index.html', dir);
  };
  fastify.get('/console', serveApp);
  fastify.get('/console/*', serveApp);
}
