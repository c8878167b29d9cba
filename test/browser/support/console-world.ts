import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { refitClvModels, seedStore } from '@aftercare/application';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { createApiApp } from '../../../apps/api/src/bootstrap';
import { createApiKey } from '../../support/auth';

// The bundler is plain JavaScript shared with tools/build.js.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { ensureConsoleBuilt } = require('../../../tools/console-bundle') as {
  ensureConsoleBuilt: () => boolean;
};

export interface ConsoleWorld {
  dir: string;
  dbPath: string;
  app: INestApplication;
  baseUrl: string;
  keys: { admin: string; agent: string; analyst: string; auditor: string; service: string };
  /** GET with a role's key, as the console would (JSON body). */
  api: <T>(key: string, path: string) => Promise<T>;
  /** POSTs a JSON body with the key; the answer's JSON. */
  post: <T>(key: string, path: string, body: unknown) => Promise<T>;
  /** Waits until every projection, reactor and loop has caught up with a head that stays put. */
  settled: () => Promise<void>;
  close: () => Promise<void>;
}

const ENV = [
  'AFTERCARE_STORE',
  'AFTERCARE_SQLITE_PATH',
  'AFTERCARE_WEBHOOKS',
  'AFTERCARE_SSE_HEARTBEAT_MS',
];

/**
 * A small simulated world (libs/simulation, seeded like `aftercare seed`) with a CLV fit, served
 * by the API exactly as `npm start` builds it, the console bundle included, on a free port.
 */
export async function startConsoleWorld(customers: number): Promise<ConsoleWorld> {
  ensureConsoleBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-console-'));
  const dbPath = join(dir, 'aftercare.db');
  const store = SqliteEventStore.open({ path: dbPath, synchronous: 'normal' });
  await seedStore(store, { customers, seed: 'console', from: '2023-01-01', to: '2024-07-01' });
  await refitClvModels(store, { now: new Date().toISOString(), horizonWeeks: 52 });
  await store.close();

  const saved = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));
  Object.assign(process.env, {
    AFTERCARE_STORE: 'sqlite',
    AFTERCARE_SQLITE_PATH: dbPath,
    AFTERCARE_WEBHOOKS: 'off',
    AFTERCARE_SSE_HEARTBEAT_MS: '1000',
  });
  const app = await createApiApp({ logger: false });
  const keys = {
    admin: await createApiKey(app, 'admin'),
    agent: await createApiKey(app, 'agent'),
    analyst: await createApiKey(app, 'analyst'),
    auditor: await createApiKey(app, 'auditor'),
    service: await createApiKey(app, 'service'),
  };
  await app.listen(0, '127.0.0.1');
  const baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const api = async <T>(key: string, path: string): Promise<T> => {
    const response = await fetch(baseUrl + path, { headers: { authorization: `Bearer ${key}` } });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  const post = async <T>(key: string, path: string, body: unknown): Promise<T> => {
    const response = await fetch(baseUrl + path, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    return (await response.json()) as T;
  };
  await waitUntilReady(baseUrl);
  const settled = () => waitUntilSettled(baseUrl, keys.admin);
  return {
    dir,
    dbPath,
    app,
    baseUrl,
    keys,
    api,
    post,
    settled,
    close: async () => {
      await app.close();
      for (const [name, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

interface HealthDetails {
  details?: {
    projections?: { head?: string | number; items?: { caughtUp: boolean }[] };
    loops?: { items?: { caughtUp?: boolean }[] };
  };
}

/**
 * Every projection, reactor and loop has caught up with a head that no longer moves: what one
 * write sets off (a signal, then the tasks a playbook plans from it) has all been recorded.
 */
async function waitUntilSettled(baseUrl: string, adminKey: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  let previousHead: unknown;
  let last = '';
  for (;;) {
    const response = await fetch(`${baseUrl}/health`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    const body = (await response.json()) as HealthDetails;
    const projections = body.details?.projections;
    const consumers = [...(projections?.items ?? []), ...(body.details?.loops?.items ?? [])];
    const caughtUp = consumers.length > 0 && consumers.every((item) => item.caughtUp !== false);
    if (caughtUp && projections?.head !== undefined && projections.head === previousHead) return;
    previousHead = caughtUp ? projections?.head : undefined;
    last = JSON.stringify(body.details);
    if (Date.now() > deadline) throw new Error(`never settled: ${last}`);
    // Longer than the health snapshot's refresh (1 s), so two equal heads are two snapshots.
    await new Promise((resolve) => setTimeout(resolve, 1_100));
  }
}

/** The projections have caught up with the seeded history (GET /health/ready answers 200). */
async function waitUntilReady(baseUrl: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const response = await fetch(`${baseUrl}/health/ready`);
    if (response.ok) return;
    if (Date.now() > deadline) throw new Error(`not ready: ${await response.text()}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
