import 'reflect-metadata';
import { setTimeout as pause } from 'node:timers/promises';
import {
  exitOnStartupError,
  requestTimeouts,
  validateConfiguration,
} from '@aftercare/application/startup';
import { openPort } from './startup/early-port';

/**
 * The modules, heaviest first, loaded one at a time with a pause in between, so the port opened
 * first answers its probes while the application loads (a probe needs a few turns of the event
 * loop: accept, read, answer; one `setImmediate` between steps gives it only one).
 */
const LOAD_STEPS = [
  () => import('@nestjs/common'),
  () => import('@nestjs/core'),
  () => import('class-validator'),
  () => import('@nestjs/swagger'),
  () => import('@nestjs/cqrs'),
  () => import('nestjs-pino'),
  () => import('@aftercare/domain'),
  () => import('@aftercare/read-models'),
  () => import('@aftercare/application'),
  () => import('./app.module'),
];

/**
 * The configuration is checked first (a bad value exits 2 naming it), then the port opens, then
 * the application loads and takes the port over: `/health/live` answers within a second of start
 * whatever the store's size or the machine's load, and nothing in the background waits for it.
 */
async function main(): Promise<void> {
  const config = validateConfiguration();
  const { port, host } = config.server;
  // Its request timeouts are the application's too: it serves on this server.
  const server = await openPort(port, host, requestTimeouts(config.http));
  const portOpenMs = performance.now();
  for (const step of LOAD_STEPS) {
    await step();
    await pause(10);
  }
  const { createApiApp } = await import('./bootstrap');
  const { ApiKeys, createBootstrapAdminKey, STORE_CONFIG } = await import('@aftercare/application');
  const { Logger } = await import('@nestjs/common');
  const app = await createApiApp({ server });
  await createBootstrapAdminKey(app.get(ApiKeys), app.get(STORE_CONFIG), (text) =>
    process.stdout.write(text),
  );
  await app.listen(port, host);
  Logger.log(
    `Aftercare API on ${await app.getUrl()} (OpenAPI at /docs): port open ${Math.round(portOpenMs)} ms ` +
      `after the process started, application serving after ${Math.round(performance.now())} ms`,
    'Main',
  );
}

main().catch(exitOnStartupError);
