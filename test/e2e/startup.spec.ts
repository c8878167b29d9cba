import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { EVENT_STORE, PROJECTION_ENGINE } from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import type { EventConsumer, ProjectionEngine } from '@aftercare/read-models';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { openPort } from '../../apps/api/src/startup/early-port';

/** A consumer that holds every batch until the test lets it go: catch-up that takes forever. */
function slowConsumer(): { consumer: EventConsumer; release: () => void; handled: () => number } {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let handled = 0;
  const consumer: EventConsumer = {
    name: 'slow-start-test',
    filter: { categories: ['slowstart'] },
    open: async () => undefined,
    handle: async (batch, context) => {
      handled += batch.length;
      await gate;
      await context.commit(batch[batch.length - 1].position, async () => undefined);
      return 'committed';
    },
  };
  return { consumer, release, handled: () => handled };
}

async function until(condition: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('start-up: the port answers first, catch-up runs behind it', () => {
  let dir: string;
  let server: Server;
  let base: string;
  let app: INestApplication | undefined;
  const slow = slowConsumer();

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-startup-'));
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    server = await openPort(0, '127.0.0.1');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });

  afterAll(async () => {
    slow.release();
    if (app) await app.close();
    else server.close();
    delete process.env.AFTERCARE_SQLITE_PATH;
    rmSync(dir, { recursive: true, force: true });
  });

  it('is live, not ready, and asks clients to retry while the application is still loading', async () => {
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(live.headers.get('x-aftercare-starting')).toBe('true');
    expect(await live.json()).toEqual({ status: 'ok' });

    const ready = await fetch(`${base}/health/ready`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ status: 'error' });

    const list = await fetch(`${base}/v1/customers?limit=5`);
    expect(list.status).toBe(503);
    expect(list.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    expect(list.headers.get('retry-after')).toBe('1');
    expect(await list.json()).toMatchObject({ status: 503, code: 'starting' });
  });

  it('takes the same port over and serves while a consumer is still catching up', async () => {
    app = await createApiApp({ logger: false, server });
    const store = app.get<EventStore>(EVENT_STORE);
    let last = 0n;
    for (let i = 0; i < 20; i++) {
      ({ position: last } = await store.appendToStream(`slowstart-${i}`, [
        { id: randomUUID(), type: 'SlowStartNoted', data: { i }, metadata: { schemaVersion: 1 } },
      ]));
    }
    const engine = app.get<ProjectionEngine>(PROJECTION_ENGINE);
    engine.addConsumer(slow.consumer);
    await until(() => slow.handled() > 0);

    await app.listen(0, '127.0.0.1');

    // Listening did not wait for the consumer: it holds its first batch and has committed nothing.
    const runner = engine.consumerRunner(slow.consumer.name);
    expect(runner).toBeDefined();
    expect(runner?.checkpoint).toBeUndefined();
    const live = await fetch(`${base}/health/live`);
    expect(live.status).toBe(200);
    expect(live.headers.get('x-aftercare-starting')).toBeNull();
    expect(await live.json()).toEqual({ status: 'ok' });
    // The application answers now, not the starting port: an unknown route is its 404 problem.
    const missing = await fetch(`${base}/v1/no-such-route`);
    expect(missing.status).toBe(404);
    expect(runner?.checkpoint).toBeUndefined();

    slow.release();
    await until(() => runner?.checkpoint === last);
    expect(slow.handled()).toBe(20);
  });
});
