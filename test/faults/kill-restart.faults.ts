import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { createEventStore, loadStoreConfig, type EventStore } from '@aftercare/event-store';

/**
 * kill -9 during concurrent writes: the built API runs as a child process and is killed at seeded
 * random moments while clients write with Idempotency-Keys; after each restart the unanswered
 * requests are retried with their keys. Every 201 must be in the store exactly once, every key
 * recorded once, and the read models, caught up, must equal a fold from nothing (a second API
 * process over the same store with fresh read models).
 */
const ROOT = join(__dirname, '..', '..');
const API_MAIN = join(ROOT, 'dist', 'apps', 'api', 'src', 'main.js');
const CLI_MAIN = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const KILLS = Number(process.env.FAULTS_KILLS ?? 10);
const CLIENTS = 8;
const SEED = Number(process.env.FAULTS_SEED ?? 20261201);

/** mulberry32: a small seeded generator, so a failing run's kill moments can be replayed. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Answer {
  status: number;
  /** Idempotent-Replayed: the key was recorded by an attempt whose answer the kill swallowed. */
  replayed: boolean;
  body: { eventIds?: string[]; code?: string } & Record<string, unknown>;
}

/** One write: its key and body never change, whichever attempt is answered. */
interface Write {
  key: string;
  customerId: string;
  path: string;
  body: Record<string, unknown>;
  answer?: Answer;
  attempts: number;
}

class Api {
  private child?: ChildProcess;
  private stderr = '';
  url = '';

  constructor(private readonly env: Record<string, string>) {}

  async start(): Promise<void> {
    const port = await freePort();
    this.url = `http://127.0.0.1:${port}`;
    this.stderr = '';
    const child = spawn(process.execPath, [API_MAIN], {
      env: { ...process.env, ...this.env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child.stderr?.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk).slice(-4000)));
    this.child = child;
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        // The port opens first; the application serves once the answer is no longer 'starting'.
        const live = await fetch(`${this.url}/health/live`);
        if (live.ok && !live.headers.has('x-aftercare-starting')) return;
      } catch {
        // not listening yet
      }
      await sleep(100);
    }
    throw new Error(`API did not start (exit ${child.exitCode}): ${this.stderr}`);
  }

  /** kill -9: no shutdown hook runs, in-flight requests get no answer. */
  async kill(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGKILL');
    await exited;
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }

  /**
   * Every projection caught up with the head. Not /health/ready: after a kill -9 the dead
   * process's leases stay live for their TTL (15 s), and readiness counts only projections run
   * here, so the restarted process is ready before it has taken the projections over.
   */
  async waitCaughtUp(adminKey: string): Promise<void> {
    const deadline = Date.now() + 120_000;
    let last = '';
    while (Date.now() < deadline) {
      const res = await fetch(`${this.url}/health`, {
        headers: { authorization: `Bearer ${adminKey}` },
      }).catch(() => undefined);
      if (res) {
        const body = (await res.json()) as {
          details?: { projections?: { items?: { caughtUp: boolean }[] } };
        };
        const items = body.details?.projections?.items ?? [];
        if (items.length > 0 && items.every((item) => item.caughtUp)) return;
        last = JSON.stringify(body.details?.projections);
      }
      await sleep(200);
    }
    throw new Error(`projections never caught up: ${last} ${this.stderr}`);
  }
}

async function send(api: Api, adminKey: string, write: Write): Promise<Answer | undefined> {
  write.attempts += 1;
  try {
    const res = await fetch(`${api.url}${write.path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${adminKey}`,
        'content-type': 'application/json',
        'idempotency-key': write.key,
      },
      body: JSON.stringify(write.body),
    });
    return {
      status: res.status,
      replayed: res.headers.get('idempotent-replayed') === 'true',
      body: (await res.json()) as Answer['body'],
    };
  } catch {
    // Connection refused or reset by the kill: unanswered, retried after the restart.
    return undefined;
  }
}

async function post(api: Api, adminKey: string, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${api.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${await res.text()}`);
}

/** Registers CLIENTS customers `<prefix>-0`, `<prefix>-1`, ... and returns their ids. */
async function registerCustomers(api: Api, adminKey: string, prefix: string): Promise<string[]> {
  const customers = Array.from({ length: CLIENTS }, (_, n) => `${prefix}-${n}`);
  for (const customerId of customers) {
    await post(api, adminKey, '/v1/customers', {
      customerId,
      pii: { name: `Customer ${customerId}`, email: `${customerId}@example.com` },
      jurisdiction: 'EU',
      countryCode: 'DE',
      segment: 'consumer',
      signupChannel: 'online',
      occurredAt: '2025-01-01T09:00:00Z',
    });
  }
  return customers;
}

/** A customer's view without `now`, the instant it was read at (day-based figures stay). */
async function customerView(api: Api, adminKey: string, customerId: string): Promise<unknown> {
  const res = await fetch(`${api.url}/v1/customers/${customerId}`, {
    headers: { authorization: `Bearer ${adminKey}` },
  });
  if (!res.ok) throw new Error(`${customerId}: ${res.status} ${await res.text()}`);
  const { now: _readAt, ...view } = (await res.json()) as Record<string, unknown>;
  return view;
}

interface Deployment {
  name: string;
  /** The environment of the API under test; undefined skips (PostgreSQL unreachable off CI). */
  setup(): Promise<
    | {
        env: Record<string, string>;
        /** The same store with read models that start from nothing. */
        freshReadEnv: Record<string, string>;
        adminKey(api: Api): Promise<string>;
        cleanup(): Promise<void>;
      }
    | undefined
  >;
}

const common = {
  AFTERCARE_PROJECTIONS: 'on',
  AFTERCARE_READY_MAX_LAG: '0',
  AFTERCARE_STATUS_REFRESH_MS: '100',
  AFTERCARE_RATE_LIMIT: '0',
  AFTERCARE_AUDIT_CHECKPOINT_MINUTES: '0',
  AFTERCARE_CLV_REFIT_HOURS: '0',
};

const deployments: Deployment[] = [
  {
    name: 'sqlite',
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'aftercare-faults-'));
      const sqlitePath = join(dir, 'aftercare.db');
      return {
        env: { ...common, AFTERCARE_STORE: 'sqlite', AFTERCARE_SQLITE_PATH: sqlitePath },
        freshReadEnv: { AFTERCARE_READ_MODEL_PATH: join(dir, 'fresh-read-models.db') },
        // The embedded default's first start writes its admin key beside the database.
        adminKey: async () => readFileSync(join(dir, 'admin.key'), 'utf8').trim(),
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  {
    name: 'postgres',
    async setup() {
      const suffix = randomUUID().replace(/-/g, '').slice(0, 12);
      const schemas = [`faults_${suffix}`, `faults_read_${suffix}`, `faults_fresh_${suffix}`];
      const admin = new Client({ connectionString: DATABASE_URL, connectionTimeoutMillis: 3000 });
      try {
        await admin.connect();
      } catch (error) {
        // On CI an unreachable database fails the run; elsewhere this deployment is skipped.
        if (process.env.CI === 'true') throw error;
        console.warn(`Skipping the postgres fault run: ${(error as Error).message}`);
        return undefined;
      }
      const env = {
        ...common,
        AFTERCARE_STORE: 'postgres',
        DATABASE_URL,
        AFTERCARE_PG_SCHEMA: schemas[0],
        AFTERCARE_PG_READ_SCHEMA: schemas[1],
      };
      return {
        env,
        freshReadEnv: { AFTERCARE_PG_READ_SCHEMA: schemas[2] },
        // Keys on PostgreSQL are made with the CLI, as an operator would.
        adminKey: async () => {
          const { stdout } = await promisify(execFile)(
            process.execPath,
            [CLI_MAIN, 'keys', 'create', '--role', 'admin', '--name', 'faults', '--json'],
            { env: { ...process.env, ...env } },
          );
          return (JSON.parse(stdout) as { key: string }).key;
        },
        cleanup: async () => {
          for (const schema of schemas)
            await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
          await admin.end();
        },
      };
    },
  },
];

describe.each(deployments)('kill -9 during concurrent writes ($name)', (deployment) => {
  jest.setTimeout(600_000);

  it(`loses and doubles nothing acknowledged across ${KILLS} kills; read models equal a fresh fold`, async () => {
    const setup = await deployment.setup();
    if (!setup) return;
    const started = Date.now();
    const random = seeded(SEED);
    const api = new Api(setup.env);
    const apis = [api];
    const writes: Write[] = [];
    let kills = 0;
    let retried = 0;
    try {
      // PostgreSQL keys are created before the first start; the embedded store writes its own.
      const keyFirst = deployment.name === 'postgres' ? await setup.adminKey(api) : undefined;
      await api.start();
      const adminKey = keyFirst ?? (await setup.adminKey(api));
      const run = randomUUID().slice(0, 8);
      await post(api, adminKey, '/v1/warranty-policies', {
        policyId: `faults-${run}`,
        name: 'Faults warranty',
        effectiveFrom: '2024-01-01T00:00:00Z',
        terms: {
          coverageMonths: { default: 12 },
          exclusions: ['misuse'],
          requireProofOfPurchase: false,
          repeatClaimThreshold: 2,
          remedyRules: [],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 1,
        },
      });
      const customers = await registerCustomers(api, adminKey, `faults-${run}`);

      let sequence = 0;
      const nextWrite = (customerId: string): Write => {
        sequence += 1;
        const day = String(2 + (sequence % 27)).padStart(2, '0');
        const occurredAt = `2025-03-${day}T10:00:00Z`;
        const write: Write =
          sequence % 3 === 0
            ? {
                key: `faults-${run}-${sequence}`,
                customerId,
                path: `/v1/customers/${customerId}/purchases`,
                body: {
                  purchaseId: `p-${run}-${sequence}`,
                  orderId: `o-${sequence}`,
                  sku: 'TV-55',
                  productCategory: 'tv',
                  serialNumber: `SN-${sequence}`,
                  price: 100 + (sequence % 50),
                  currency: 'EUR',
                  channel: 'online',
                  warranty: { warrantyPolicyId: `faults-${run}`, returnWindowDays: 30 },
                  occurredAt,
                },
                attempts: 0,
              }
            : {
                key: `faults-${run}-${sequence}`,
                customerId,
                path: `/v1/customers/${customerId}/feedback`,
                body: { nps: sequence % 11, csat: 1 + (sequence % 5), occurredAt },
                attempts: 0,
              };
        writes.push(write);
        return write;
      };

      const unanswered = () => writes.filter((w) => !w.answer);
      const retryUnanswered = async () => {
        for (let round = 0; unanswered().length > 0; round += 1) {
          if (round > 20) throw new Error(`${unanswered().length} writes never answered`);
          await Promise.all(
            unanswered().map(async (write) => {
              retried += 1;
              write.answer = await send(api, adminKey, write);
            }),
          );
        }
      };

      for (let kill = 0; kill < KILLS; kill += 1) {
        if (kill > 0) {
          await api.start();
          await retryUnanswered();
        }
        let writing = true;
        const clients = customers.map(async (customerId) => {
          while (writing) {
            const write = nextWrite(customerId);
            write.answer = await send(api, adminKey, write);
            if (!write.answer) return;
          }
        });
        await sleep(300 + Math.floor(random() * 1200));
        await api.kill();
        kills += 1;
        writing = false;
        await Promise.all(clients);
      }
      await api.start();
      await retryUnanswered();

      // Every write was answered, and every answer was 201 (a kill must not turn into a refusal).
      const refused = writes.filter((w) => w.answer!.status !== 201);
      expect(
        refused.map((w) => `${w.path} ${w.answer!.status} ${JSON.stringify(w.answer!.body)}`),
      ).toEqual([]);

      // The read models, caught up, equal those folded from nothing by a second process.
      await sleep(300);
      await api.waitCaughtUp(adminKey);
      const views = new Map<string, unknown>();
      for (const customerId of customers)
        views.set(customerId, await customerView(api, adminKey, customerId));
      await api.stop();
      const fresh = new Api({ ...setup.env, ...setup.freshReadEnv });
      apis.push(fresh);
      await fresh.start();
      await sleep(300);
      await fresh.waitCaughtUp(adminKey);
      for (const customerId of customers)
        expect(await customerView(fresh, adminKey, customerId)).toEqual(views.get(customerId));
      await fresh.stop();

      // In the store: each acknowledged event exactly once, and one event per key.
      const store: EventStore = await createEventStore(loadStoreConfig(setup.env));
      let lost = 0;
      let doubled = 0;
      try {
        for (const customerId of customers) {
          const stored = new Map<string, number>();
          for await (const event of store.readStream(`customer-${customerId}`))
            stored.set(event.id, (stored.get(event.id) ?? 0) + 1);
          const mine = writes.filter((w) => w.customerId === customerId);
          const acknowledged = mine.flatMap((w) => w.answer!.body.eventIds ?? []);
          expect(acknowledged).toHaveLength(mine.length);
          lost += acknowledged.filter((id) => !stored.has(id)).length;
          doubled += acknowledged.filter((id) => (stored.get(id) ?? 0) > 1).length;
          // The registration plus one event per key: a retried key that was recorded before the
          // kill was replayed, not recorded again.
          doubled += Math.max(0, stored.size - 1 - mine.length);
        }
      } finally {
        await store.close();
      }
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      console.log(
        `faults ${deployment.name}: ${kills} kills, ${writes.length} acknowledged writes, ` +
          `${lost} lost, ${doubled} doubled, ${retried} retried ` +
          `(${writes.filter((w) => w.answer!.replayed).length} replayed), ${seconds} s`,
      );
      expect(kills).toBe(KILLS);
      expect(lost).toBe(0);
      expect(doubled).toBe(0);
    } finally {
      for (const instance of apis) await instance.kill();
      await setup.cleanup();
    }
  });
});

/** Every access-log entry of `action`, page by page, through the admin API. */
async function accessLog(api: Api, adminKey: string, action: string): Promise<string[]> {
  const details: string[] = [];
  let after: string | null = null;
  do {
    const query = `action=${action}&limit=1000${after ? `&after=${after}` : ''}`;
    const res = await fetch(`${api.url}/v1/access-log?${query}`, {
      headers: { authorization: `Bearer ${adminKey}` },
    });
    if (!res.ok) throw new Error(`access log: ${res.status} ${await res.text()}`);
    const page = (await res.json()) as { entries: { detail: string }[]; next: string | null };
    details.push(...page.entries.map((e) => e.detail));
    after = page.next;
  } while (after);
  return details;
}

describe.each(deployments)(
  'kill -9 during concurrent reads of personal data ($name)',
  (deployment) => {
    jest.setTimeout(600_000);

    it(`every answered read is in the access log after ${KILLS} kills`, async () => {
      const setup = await deployment.setup();
      if (!setup) return;
      const random = seeded(SEED + 1);
      const api = new Api(setup.env);
      const answered: string[] = [];
      let kills = 0;
      try {
        const keyFirst = deployment.name === 'postgres' ? await setup.adminKey(api) : undefined;
        await api.start();
        const adminKey = keyFirst ?? (await setup.adminKey(api));
        const run = randomUUID().slice(0, 8);
        const customers = await registerCustomers(api, adminKey, `reads-${run}`);
        // Each read asks for a view as of an instant of its own: its record names it.
        let sequence = 0;
        const nextAsOf = () => new Date(Date.UTC(2025, 5, 1) + ++sequence * 1000).toISOString();
        for (let kill = 0; kill < KILLS; kill += 1) {
          if (kill > 0) await api.start();
          let reading = true;
          const clients = customers.map(async (customerId) => {
            while (reading) {
              const asOf = nextAsOf();
              const res = await fetch(`${api.url}/v1/customers/${customerId}?asOf=${asOf}`, {
                headers: { authorization: `Bearer ${adminKey}` },
              }).catch(() => undefined);
              if (!res) return;
              if (res.status === 200) answered.push(`asOf=${asOf}`);
              await res.arrayBuffer().catch(() => undefined);
            }
          });
          await sleep(300 + Math.floor(random() * 1200));
          await api.kill();
          kills += 1;
          reading = false;
          await Promise.all(clients);
        }
        await api.start();
        const recorded = new Set(await accessLog(api, adminKey, 'customer.view'));
        const missing = answered.filter((detail) => !recorded.has(detail));
        console.log(
          `faults ${deployment.name} reads: ${kills} kills, ${answered.length} answered reads, ` +
            `${missing.length} unrecorded`,
        );
        expect(kills).toBe(KILLS);
        expect(answered.length).toBeGreaterThan(0);
        expect(missing).toEqual([]);
      } finally {
        await api.kill();
        await setup.cleanup();
      }
    });
  },
);
