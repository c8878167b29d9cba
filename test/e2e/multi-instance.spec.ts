import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  EVENT_STORE,
  RuntimeStatus,
  SignalProcessor,
  WebhookService,
} from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { Client } from 'pg';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';
import {
  describeWithPostgres,
  postgresTestUrl,
} from '../../libs/read-models/src/testing/read-model-stores';

jest.setTimeout(60_000);

async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The environment of the instances: one SQLite file, or one PostgreSQL database (own schemas). */
type StoreSetup = (dir: string) => { env: Record<string, string>; dispose: () => Promise<void> };

const sqliteSetup: StoreSetup = (dir) => ({
  env: { AFTERCARE_STORE: 'sqlite', AFTERCARE_SQLITE_PATH: join(dir, 'aftercare.db') },
  dispose: async () => undefined,
});

const postgresSetup: StoreSetup = () => {
  const suffix = `${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
  const schemas = [`runtime_mi_${suffix}`, `runtime_mi_read_${suffix}`];
  return {
    env: {
      AFTERCARE_STORE: 'postgres',
      DATABASE_URL: postgresTestUrl,
      AFTERCARE_PG_SCHEMA: schemas[0],
      AFTERCARE_PG_READ_SCHEMA: schemas[1],
      AFTERCARE_PROJECTIONS: 'on',
    },
    dispose: async () => {
      const client = new Client({ connectionString: postgresTestUrl });
      await client.connect();
      for (const schema of schemas) await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    },
  };
};

describe('several instances on one SQLite file', () => severalInstances(sqliteSetup));
describeWithPostgres('several instances on one PostgreSQL database', () =>
  severalInstances(postgresSetup),
);

/**
 * Two runtimes on one store, each running projections, signals and webhook dispatch as consumers
 * of the projection runtime: its leases make one of them deliver each event and derive each
 * signal, and the other take over when the first stops.
 */
function severalInstances(setup: StoreSetup): void {
  const saved = { ...process.env };
  let disposeStore: () => Promise<void> = async () => undefined;
  let dir: string;
  let receiver: Server;
  let url: string;
  const deliveries = new Map<string, number>();
  const apps: INestApplication[] = [];
  let store: EventStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-instances-'));
    const storeSetup = setup(dir);
    disposeStore = storeSetup.dispose;
    Object.assign(process.env, storeSetup.env, {
      AFTERCARE_PROJECTIONS: 'on',
      AFTERCARE_SIGNALS_SWEEP_MS: '0',
      AFTERCARE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      // Long enough that a loaded machine's event-loop stalls do not lose a live holder's lease (a
      // takeover re-sends what was in flight: at least once, which the test would count twice).
      AFTERCARE_LOOP_LEASE_TTL_MS: '3000',
    });
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        const id = String(req.headers['aftercare-event-id']);
        deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    for (let i = 0; i < 2; i++) {
      const app = await createApiApp({ logger: false });
      await app.init();
      apps.push(app);
    }
    store = apps[0].get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    for (const app of apps) await app.close();
    await new Promise((resolve) => receiver.close(resolve));
    process.env = saved;
    await disposeStore();
    rmSync(dir, { recursive: true, force: true });
  });

  async function journey(app: INestApplication, key: string, customerId: string): Promise<void> {
    const http = () => authed(app, key);
    await http()
      .post('/v1/customers')
      .send({
        customerId,
        occurredAt: '2025-01-01T09:00:00Z',
        pii: { name: 'Twin Instance', email: `${customerId}@example.com` },
        jurisdiction: 'EU',
        countryCode: 'DE',
        segment: 'consumer',
        signupChannel: 'online',
      })
      .expect(201);
    // A detractor's answer moves the satisfaction band: a signal.
    await http()
      .post(`/v1/customers/${customerId}/feedback`)
      .send({ nps: 2, occurredAt: '2025-02-01T10:00:00Z' })
      .expect(201);
  }

  async function ids(categories: string[]): Promise<string[]> {
    const found: string[] = [];
    for await (const e of store.readAll({ filter: { categories } })) found.push(e.id);
    return found;
  }

  /** Every customer and signal event delivered, and none twice (after a quiet moment). */
  async function deliveredOnce(): Promise<void> {
    await until(async () => {
      const signals = await ids(['signal']);
      return (
        signals.length > 0 &&
        [...(await ids(['customer'])), ...signals].every((id) => deliveries.has(id))
      );
    }, 'every event delivered');
    // A duplicate would arrive within this quiet spell; a signal derived late may too, and is
    // waited for (the signal processor can still be behind the journeys' last events).
    await new Promise((resolve) => setTimeout(resolve, 300));
    await until(
      async () => (await ids(['customer', 'signal'])).every((id) => deliveries.has(id)),
      'every event delivered, late signals included',
    );
    const stored = new Set(await ids(['customer', 'signal']));
    expect([...deliveries.keys()].filter((id) => !stored.has(id))).toEqual([]);
    expect([...deliveries.values()].every((count) => count === 1)).toBe(true);
  }

  /** The instances running a loop: signals, or the deliveries of the one webhook subscription. */
  function leaders(loop: 'signals' | 'webhook'): number[] {
    return apps
      .map((app, i) => {
        const status =
          loop === 'signals'
            ? app.get(SignalProcessor).loopStatus()
            : app
                .get(WebhookService)
                .loopStatus()
                .find((s) => s.name.startsWith('webhook:'));
        return status?.state === 'running' ? i : -1;
      })
      .filter((i) => i >= 0);
  }

  it('delivers each event and derives each signal once, and hands over when the holder stops', async () => {
    const keys = [await createApiKey(apps[0]), await createApiKey(apps[1])];
    await authed(apps[0], keys[0])
      .post('/v1/subscriptions')
      .send({ url, categories: ['customer', 'signal'], from: 'start' })
      .expect(201);
    await until(() => leaders('webhook').length === 1, 'one webhook dispatcher');
    await until(() => leaders('signals').length === 1, 'one signal processor');

    await journey(apps[0], keys[0], 'twin-a');
    await journey(apps[1], keys[1], 'twin-b');
    await deliveredOnce();
    expect(leaders('webhook')).toHaveLength(1);
    expect(leaders('signals')).toHaveLength(1);
    // /health on each instance shows its loops: one runs them, the other stands by. (Healthy once
    // the instance running the projections has caught up with both journeys: on a loaded machine
    // that can come after the webhooks were delivered.)
    const states = [];
    for (const [i, app] of apps.entries()) {
      let body: { details: { loops: { items: { name: string; state: string }[] } } } | undefined;
      await until(async () => {
        await app.get(RuntimeStatus).refresh();
        const res = await authed(app, keys[i]).get('/health');
        body = res.body;
        return res.status === 200;
      }, `instance ${i} healthy`);
      const items = body!.details.loops.items;
      states.push(items.find((item) => item.name === 'signals')?.state);
    }
    expect(states.sort()).toEqual(['running', 'standby']);
    // Each signal once in its stream, though both instances saw every event.
    const signalIds = await ids(['signal']);
    expect(new Set(signalIds).size).toBe(signalIds.length);

    // The dispatching instance stops; the other takes over both loops.
    const holder = leaders('webhook')[0];
    const other = 1 - holder;
    await apps[holder].close();
    apps.splice(holder, 1);
    const survivor = apps[0];
    store = survivor.get<EventStore>(EVENT_STORE);
    await until(() => leaders('webhook').length === 1, 'the other to take over');
    await until(() => leaders('signals').length === 1, 'the other to process signals');
    await journey(survivor, keys[other], 'twin-c');
    await deliveredOnce();
    expect((await ids(['signal'])).length).toBeGreaterThan(signalIds.length);
  });
}
