import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { Client } from 'pg';
import {
  ERASED,
  EVENT_STORE,
  EventFeed,
  PII_VAULT,
  type PiiVault,
  type Principal,
  SYSTEM_PRINCIPAL,
  exportEvents,
} from '@aftercare/application';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';

/**
 * Crypto-shredding end to end: personal data is sealed before it is stored, read back by those
 * allowed to, and after erasure every copy (stored rows, SSE, exports, webhooks registered later
 * from the start, views as of earlier dates) reads `{"erased": true}` while analytics still
 * compute; the raw database bytes never hold the name or the email.
 */
const NAME = 'Zelda Quixote-Marlowe';
const EMAIL = 'zelda.q.marlowe@example.org';
const PHONE = '+4915123456789';
const ANALYST: Principal = {
  id: 'key:analyst',
  name: 'analyst',
  kind: 'api_key',
  roles: ['analyst'],
  scopes: [],
};

type Env = Record<string, string>;

const ENV_KEYS = [
  'AFTERCARE_STORE',
  'AFTERCARE_SQLITE_PATH',
  'AFTERCARE_MASTER_KEY',
  'AFTERCARE_MASTER_KEY_FILE',
  'AFTERCARE_PG_SCHEMA',
  'AFTERCARE_PG_READ_SCHEMA',
  'AFTERCARE_PROJECTIONS',
  'AFTERCARE_WEBHOOKS',
  'DATABASE_URL',
];

function withEnv(env: Env): () => void {
  const saved = Object.fromEntries(ENV_KEYS.map((k) => [k, process.env[k]]));
  for (const key of ENV_KEYS) delete process.env[key];
  Object.assign(process.env, env);
  return () => {
    for (const key of ENV_KEYS) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  };
}

function hits(haystack: Buffer | string, needles: string[]): Record<string, number> {
  const text = typeof haystack === 'string' ? haystack : haystack.toString('latin1');
  return Object.fromEntries(needles.map((n) => [n, text.split(n).length - 1]));
}

async function waitFor<T>(probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The journey and every check short of the raw scan; returns the app, still open. */
async function journeyThenErase(customerId: string): Promise<{
  app: INestApplication;
  webhookBodies: string[];
  hook: Server;
}> {
  const app = await createApiApp({ logger: false });
  await app.init();
  try {
    return await journey(app, customerId);
  } catch (error) {
    await app.close();
    throw error;
  }
}

/** The SSE feed of customer events from the start until it reports caught up, as `key`. */
async function sseUntilCaughtUp(app: INestApplication, key: string): Promise<string> {
  return new Promise<string>((resolve, reject) => {
    let text = '';
    const req = authed(app, key)
      .get('/v1/events/stream?category=customer&from=start')
      .buffer(false)
      .parse((res, done) => {
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          if (text.includes('event: caught-up')) {
            resolve(text);
            (res as unknown as { destroy(): void }).destroy();
          }
        });
        res.on('error', () => done(null, text));
        res.on('end', () => done(null, text));
      });
    req.end((error) => (error && !text.includes('caught-up') ? reject(error) : undefined));
  });
}

async function journey(
  app: INestApplication,
  customerId: string,
): Promise<{ app: INestApplication; webhookBodies: string[]; hook: Server }> {
  const adminKey = await createApiKey(app);
  const http = () => authed(app, adminKey);
  const store = app.get<EventStore>(EVENT_STORE);
  const vault = app.get<PiiVault>(PII_VAULT);

  await http()
    .post('/v1/customers')
    .send({
      customerId,
      occurredAt: '2025-01-01T09:00:00Z',
      pii: {
        name: NAME,
        email: EMAIL,
        phone: PHONE,
        address: { line1: 'Main St 1', city: 'Berlin', postalCode: '10115', country: 'DE' },
      },
      jurisdiction: 'EU',
      countryCode: 'DE',
      segment: 'consumer',
      signupChannel: 'online',
    })
    .expect(201);
  await http()
    .post(`/v1/customers/${customerId}/purchases`)
    .send({
      purchaseId: 'p1',
      orderId: 'o1',
      sku: 'TV-55',
      productCategory: 'tv',
      price: 500,
      currency: 'EUR',
      channel: 'online',
      warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      occurredAt: '2025-01-02T09:00:00Z',
    })
    .expect(201);
  await http()
    .post(`/v1/customers/${customerId}/complaints`)
    .send({
      complaintId: 'k1',
      category: 'delivery',
      severity: 'high',
      channel: 'email',
      remedySought: 'apology',
      description: `Call ${NAME} back on ${PHONE}`,
      occurredAt: '2025-01-03T09:00:00Z',
    })
    .expect(201);
  const lastWrite = await http()
    .post(`/v1/customers/${customerId}/feedback`)
    .send({ nps: 3, comment: `write to ${EMAIL}`, occurredAt: '2025-01-04T09:00:00Z' })
    .expect(201);

  // Sealed at rest: the stored events hold ciphertext only.
  const stored: RecordedEvent[] = [];
  for await (const e of store.readStream(`customer-${customerId}`)) stored.push(e);
  expect(hits(JSON.stringify(stored.map((e) => e.data)), [NAME, EMAIL, PHONE])).toEqual({
    [NAME]: 0,
    [EMAIL]: 0,
    [PHONE]: 0,
  });
  // Opened for those allowed to read it, redacted for the others.
  const asAdmin = await vault.revealEvent(stored[0], SYSTEM_PRINCIPAL);
  expect((asAdmin.data as { pii: { name: string } }).pii.name).toBe(NAME);
  const asAnalyst = await vault.revealEvent(stored[0], ANALYST);
  expect((asAnalyst.data as { pii: { name: unknown } }).pii.name).toEqual({ redacted: true });

  // The whole journey applied: read at the last write's position, so every read model the
  // views compared below come from has applied it.
  const before = (
    await http()
      .get(`/v1/customers/${customerId}`)
      .set('X-Aftercare-Min-Position', lastWrite.headers['x-aftercare-position'])
      .expect(200)
  ).body;
  expect(before.purchases.count).toBe(1);
  expect(before.contact).toEqual({ name: NAME, email: EMAIL });
  // Over HTTP, by role: an analyst sees the customer pseudonymised; a service key only with pii:read.
  const analystKey = await createApiKey(app, 'analyst');
  const asAnalystView = await authed(app, analystKey)
    .get(`/v1/customers/${customerId}`)
    .expect(200);
  expect(asAnalystView.body.contact).toEqual({
    name: { redacted: true },
    email: { redacted: true },
  });
  expect(asAnalystView.body.purchases.count).toBe(1);
  const sseAs = async (key: string): Promise<string> => sseUntilCaughtUp(app, key);
  const plainService = await sseAs(await createApiKey(app, 'service'));
  expect(plainService).toContain('"redacted":true');
  expect(hits(plainService, [NAME, EMAIL, PHONE])).toEqual({ [NAME]: 0, [EMAIL]: 0, [PHONE]: 0 });
  const piiService = await sseAs(await createApiKey(app, 'service', { scopes: ['pii:read'] }));
  expect(piiService).toContain(NAME);

  const erasure = await http()
    .post(`/v1/customers/${customerId}/pii-erasure`)
    .send({ requestedBy: 'customer', occurredAt: '2025-02-01T09:00:00Z' })
    .expect(201);

  // Views, now and as of a date before the erasure: no personal data; analytics still there.
  const now = (
    await http()
      .get(`/v1/customers/${customerId}`)
      .set('X-Aftercare-Min-Position', erasure.headers['x-aftercare-position'])
      .expect(200)
  ).body;
  expect(now.piiErased).toBe(true);
  expect(now.contact).toBeNull();
  expect(now.purchases.count).toBe(1);
  expect(now.satisfaction.state).toBeDefined();
  const asOf = await http().get(`/v1/customers/${customerId}?asOf=2025-01-05`).expect(200);
  const knownAt = await http()
    .get(`/v1/customers/${customerId}?knownAt=${encodeURIComponent(new Date().toISOString())}`)
    .expect(200);
  const timeline = await http().get(`/v1/customers/${customerId}/timeline`).expect(200);
  for (const body of [asOf.body, knownAt.body, timeline.body]) {
    expect(hits(JSON.stringify(body), [NAME, EMAIL, PHONE])).toEqual({
      [NAME]: 0,
      [EMAIL]: 0,
      [PHONE]: 0,
    });
  }
  expect(asOf.body.contact === null || asOf.body.contact.name.erased === true).toBe(true);
  expect(asOf.body.purchases.count).toBe(1);

  // The feed (what SSE and webhooks send): the same events, the personal data erased.
  const feed = app.get(EventFeed).open({ from: 'start', categories: ['customer'] });
  const fed: RecordedEvent[] = [];
  for await (const message of feed) {
    if (message.kind === 'caughtUp') break;
    if ((message.event.data as { customerId?: string }).customerId === customerId)
      fed.push(message.event);
  }
  await feed.close();
  expect(fed.map((e) => e.type)).toContain('CustomerPiiErased');
  const registered = fed.find((e) => e.type === 'CustomerRegistered');
  expect(registered?.data).toMatchObject({ pii: { name: ERASED, email: ERASED } });
  expect(fed.find((e) => e.type === 'ComplaintFiled')?.data).toMatchObject({
    description: ERASED,
  });
  expect(hits(JSON.stringify(fed.map((e) => e.data)), [NAME, EMAIL, PHONE])[NAME]).toBe(0);

  // SSE over HTTP.
  const sse = await sseUntilCaughtUp(app, adminKey);
  expect(sse).toContain('CustomerPiiErased');
  expect(hits(sse, [NAME, EMAIL, PHONE])).toEqual({ [NAME]: 0, [EMAIL]: 0, [PHONE]: 0 });

  // An export (the CLI's code path, as admin).
  const out = join(mkdtempSync(join(tmpdir(), 'aftercare-pii-export-')), 'events.ndjson');
  await exportEvents(store, {
    out,
    format: 'ndjson',
    reveal: (event) => vault.revealEvent(event, SYSTEM_PRINCIPAL),
  });
  const exported = readFileSync(out, 'utf8');
  expect(exported).toContain('"erased":true');
  expect(hits(exported, [NAME, EMAIL, PHONE])).toEqual({ [NAME]: 0, [EMAIL]: 0, [PHONE]: 0 });

  // A webhook registered after the erasure, from the start of history.
  const webhookBodies: string[] = [];
  const hook = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      webhookBodies.push(body);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => hook.listen(0, '127.0.0.1', resolve));
  const port = (hook.address() as AddressInfo).port;
  await http()
    .post('/v1/subscriptions')
    .send({
      url: `http://127.0.0.1:${port}/hook`,
      secret: 'a-shared-secret-of-16+',
      categories: ['customer'],
      customerId,
      from: 'start',
    })
    .expect(201);
  await waitFor(() =>
    webhookBodies.some((b) => b.includes('CustomerPiiErased')) ? true : undefined,
  );
  expect(hits(webhookBodies.join('\n'), [NAME, EMAIL, PHONE])).toEqual({
    [NAME]: 0,
    [EMAIL]: 0,
    [PHONE]: 0,
  });
  return { app, webhookBodies, hook };
}

describe('personal data erasure (sqlite)', () => {
  let dir: string;
  let restore: () => void;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-pii-'));
    restore = withEnv({
      AFTERCARE_STORE: 'sqlite',
      AFTERCARE_SQLITE_PATH: join(dir, 'aftercare.db'),
      AFTERCARE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    });
  });

  afterAll(() => {
    restore();
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no name or email in the database file or its WAL after erasure', async () => {
    const { app, hook } = await journeyThenErase('zelda');
    await app.close();
    hook.close();
    // The master key was created on first start, beside the database, readable by its owner only.
    const keyFile = join(dir, 'master.key');
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const files = ['aftercare.db', 'aftercare.db-wal', 'aftercare.db-shm']
      .map((f) => join(dir, f))
      .filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
    expect(bytes.length).toBeGreaterThan(0);
    expect(hits(bytes, [NAME, EMAIL, PHONE])).toEqual({ [NAME]: 0, [EMAIL]: 0, [PHONE]: 0 });
  });
});

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function postgresReachable(): boolean {
  const probe = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(
      () => client.end().then(() => process.exit(0)),
      () => process.exit(1),
    );`;
  const result = spawnSync(process.execPath, ['-e', probe, databaseUrl], {
    cwd: __dirname,
    timeout: 10_000,
    stdio: 'ignore',
  });
  return result.status === 0;
}

const describePostgres =
  process.env.CI === 'true' || postgresReachable() ? describe : describe.skip;

describePostgres('personal data erasure (postgres)', () => {
  const suffix = randomUUID().replace(/-/g, '').slice(0, 10);
  const schemas = [`pii_${suffix}`, `pii_read_${suffix}`];
  let dir: string;
  let restore: () => void;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-pii-pg-'));
    restore = withEnv({
      AFTERCARE_STORE: 'postgres',
      DATABASE_URL: databaseUrl,
      AFTERCARE_PG_SCHEMA: schemas[0],
      AFTERCARE_PG_READ_SCHEMA: schemas[1],
      AFTERCARE_PROJECTIONS: 'on',
      AFTERCARE_MASTER_KEY: randomUUID().replace(/-/g, '') + randomUUID().replace(/-/g, ''),
      AFTERCARE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    });
  });

  afterAll(async () => {
    restore();
    rmSync(dir, { recursive: true, force: true });
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      for (const schema of schemas) await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    } finally {
      await admin.end();
    }
  });

  it("leaves no name or email in any table of the schemas (a dump's rows)", async () => {
    const { app, hook } = await journeyThenErase('zelda');
    await app.close();
    hook.close();
    const client = new Client({ connectionString: databaseUrl });
    await client.connect();
    let dump = '';
    try {
      const { rows } = await client.query<{ schema: string; name: string }>(
        `SELECT table_schema AS schema, table_name AS name FROM information_schema.tables
         WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'`,
        [schemas],
      );
      expect(rows.map((r) => r.name)).toEqual(
        expect.arrayContaining(['es_events', 'pii_data_keys']),
      );
      for (const table of rows) {
        const data = await client.query<{ row: string }>(
          `SELECT t::text AS row FROM ${table.schema}.${table.name} t`,
        );
        dump += data.rows.map((r) => r.row).join('\n');
      }
    } finally {
      await client.end();
    }
    expect(dump).toContain('CustomerPiiErased');
    expect(hits(dump, [NAME, EMAIL, PHONE])).toEqual({ [NAME]: 0, [EMAIL]: 0, [PHONE]: 0 });
  });
});
