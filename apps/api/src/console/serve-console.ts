import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import type { NextFunction, Request, Response } from 'express';
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

/**
 * Serves the web console under /console, same origin as the API: its files, and index.html for
 * every other GET below /console so the browser's own routes (/console/customers/ada) load the
 * app. The files hold no data; the app signs in and reads the API with the caller's credentials.
 */
export function serveConsole(
  app: NestExpressApplication,
  options: { dir?: string; oidc?: OidcSettings } = {},
): void {
  const dir = options.dir ?? CONSOLE_DIR;
  const signIn = consoleSignIn(options.oidc);
  app.use('/console', consolePolicy(signIn.oidc ? new URL(signIn.oidc.issuer).origin : undefined));
  app.use('/console/sign-in.json', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    res.setHeader('Cache-Control', 'no-cache');
    res.json(signIn);
  });
  app.useStaticAssets(dir, {
    prefix: '/console',
    index: false,
    fallthrough: true,
    setHeaders: (res) => res.setHeader('Cache-Control', 'no-cache'),
  });
  app.use('/console', (req: Request, res: Response, next: NextFunction) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    // A missing asset is a 404, not the app.
    if (req.path.startsWith('/assets/')) return next();
    const index = join(dir, 'index.html');
    if (!existsSync(index)) {
      res
        .status(503)
        .type('application/problem+json')
        .json({
          type: problemType('console_not_built'),
          title: 'Console not built',
          status: 503,
          detail: 'The web console has not been bundled: run `npm run build`',
          code: 'console_not_built',
        });
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
}
