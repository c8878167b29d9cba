import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import { EVENT_STORE } from '@aftercare/application';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';
import { registration } from '../support/customers';

/**
 * The API under contention, on the embedded store and on PostgreSQL: many requests at once on one
 * customer, with one Idempotency-Key or with none. Every answer must say what was stored.
 */
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const CONCURRENT = 50;

interface Deployment {
  name: string;
  /** Sets the environment the app reads; returns the cleanup, or undefined to skip. */
  configure(): Promise<(() => Promise<void>) | undefined>;
}

const deployments: Deployment[] = [
  {
    name: 'sqlite',
    async configure() {
      const dir = mkdtempSync(join(tmpdir(), 'aftercare-contention-'));
      process.env.AFTERCARE_STORE = 'sqlite';
      process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
      return async () => rmSync(dir, { recursive: true, force: true });
    },
  },
  {
    name: 'postgres',
    async configure() {
      const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
      const schemas = [`contention_${suffix}`, `contention_read_${suffix}`];
      const admin = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
      try {
        await admin.connect();
      } catch (error) {
        // On CI an unreachable database fails the run; elsewhere the suite is skipped.
        if (process.env.CI === 'true') throw error;
        console.warn(`Skipping the postgres contention tests: ${(error as Error).message}`);
        return undefined;
      }
      process.env.AFTERCARE_STORE = 'postgres';
      process.env.DATABASE_URL = DATABASE_URL;
      process.env.AFTERCARE_PG_SCHEMA = schemas[0];
      process.env.AFTERCARE_PG_READ_SCHEMA = schemas[1];
      return async () => {
        for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
        await admin.end();
      };
    },
  },
];

describe.each(deployments)('API under contention ($name)', (deployment) => {
  jest.setTimeout(120_000);
  const saved = { ...process.env };
  let cleanup: (() => Promise<void>) | undefined;
  let app: INestApplication | undefined;
  let store: EventStore;
  let adminKey: string;
  const http = () => authed(app!, adminKey);

  beforeAll(async () => {
    cleanup = await deployment.configure();
    if (!cleanup) return;
    app = await createApiApp({ logger: false });
    await app.init();
    adminKey = await createApiKey(app);
    store = app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await app?.close();
    await cleanup?.();
    process.env = saved;
  });

  const readStream = async (streamId: string): Promise<RecordedEvent[]> => {
    const events: RecordedEvent[] = [];
    for await (const event of store.readStream(streamId)) events.push(event);
    return events;
  };

  async function registered(): Promise<string> {
    const customerId = `contended-${randomUUID()}`;
    await http().post('/v1/customers').send(registration(customerId)).expect(201);
    return customerId;
  }

  const feedback = (nps: number) => ({ nps, occurredAt: '2025-01-05T09:00:00Z' });

  it(`${CONCURRENT} requests with one Idempotency-Key and different bodies: one 201, the rest 422`, async () => {
    if (!app) return;
    const customerId = await registered();
    const key = `reused-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, n) =>
        http()
          .post(`/v1/customers/${customerId}/feedback`)
          .set('Idempotency-Key', key)
          .send({ ...feedback(n % 11), comment: `body ${n}` }),
      ),
    );
    const statuses = responses.map((r) => r.status);
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(statuses.filter((s) => s === 422)).toHaveLength(CONCURRENT - 1);
    const created = responses.find((r) => r.status === 201)!;
    const stored = (await readStream(`customer-${customerId}`)).filter(
      (e) => e.type === 'FeedbackReceived',
    );
    // The one 201 describes the one event stored.
    expect(stored).toHaveLength(1);
    expect(created.body.eventIds).toEqual([stored[0].id]);
    expect(created.body.position).toBe(stored[0].position.toString());
  });

  it(`${CONCURRENT} requests with one Idempotency-Key and the same body: recorded once, every other answer replayed`, async () => {
    if (!app) return;
    const customerId = await registered();
    const key = `same-${randomUUID()}`;
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, () =>
        http()
          .post(`/v1/customers/${customerId}/feedback`)
          .set('Idempotency-Key', key)
          .send(feedback(9)),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(responses.map(() => 201));
    const replayed = responses.filter((r) => r.headers['idempotent-replayed'] === 'true');
    expect(replayed).toHaveLength(CONCURRENT - 1);
    expect(new Set(responses.map((r) => JSON.stringify(r.body.eventIds))).size).toBe(1);
    const stored = (await readStream(`customer-${customerId}`)).filter(
      (e) => e.type === 'FeedbackReceived',
    );
    expect(stored).toHaveLength(1);
  });

  it(`${CONCURRENT} concurrent commands on one customer all succeed`, async () => {
    if (!app) return;
    const customerId = await registered();
    const responses = await Promise.all(
      Array.from({ length: CONCURRENT }, (_, n) =>
        http()
          .post(`/v1/customers/${customerId}/feedback`)
          .send(feedback(n % 11)),
      ),
    );
    const failed = responses.filter((r) => r.status !== 201);
    expect(failed.map((r) => `${r.status} ${r.body.code}`)).toEqual([]);
    const stored = (await readStream(`customer-${customerId}`)).filter(
      (e) => e.type === 'FeedbackReceived',
    );
    expect(stored).toHaveLength(CONCURRENT);
    expect(new Set(responses.map((r) => r.body.eventIds[0]))).toEqual(
      new Set(stored.map((e) => e.id)),
    );
  });
});
