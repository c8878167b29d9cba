import type { INestApplication } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, take, toArray } from 'rxjs';
import {
  EVENT_STORE,
  EventFeed,
  SIGNATURE_HEADER,
  verifyWebhookSignature,
} from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, bearer, createApiKey } from '../support/auth';
import { SseClient } from '../support/sse-client';

jest.setTimeout(60_000);

let dir: string;
let app: INestApplication;
let baseUrl: string;
let adminKey: string;
let serviceKey: string;

async function startApp(): Promise<void> {
  app = await createApiApp({ logger: false });
  adminKey = await createApiKey(app);
  serviceKey = await createApiKey(app, 'service');
  await app.listen(0, '127.0.0.1');
  baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
}

function store(): EventStore {
  return app.get<EventStore>(EVENT_STORE);
}

/** Appends `count` events to fresh streams of `category`, a few per stream. */
async function record(category: string, count: number, customerId = 'c1'): Promise<void> {
  for (let i = 0; i < count; i++) {
    await store().appendToStream(`${category}-${customerId}`, [
      {
        id: randomUUID(),
        type: i % 2 === 0 ? 'ComplaintFiled' : 'FeedbackReceived',
        data: { customerId, occurredAt: '2026-01-01T00:00:00.000Z', n: i },
        metadata: { schemaVersion: 1 },
      },
    ]);
  }
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aftercare-feed-'));
  process.env.AFTERCARE_STORE = 'sqlite';
  process.env.AFTERCARE_SQLITE_PATH = join(dir, 'aftercare.db');
  process.env.AFTERCARE_SSE_HEARTBEAT_MS = '200';
  process.env.AFTERCARE_WEBHOOK_BACKOFF_MS = '10';
  process.env.AFTERCARE_WEBHOOK_ALLOW_HOSTS = '127.0.0.1';
});

beforeEach(startApp);

afterEach(async () => {
  await app.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

const uniqueCategory = (): string => `feed${randomUUID().slice(0, 8)}`;
const positions = (client: SseClient): bigint[] => client.events.map((f) => BigInt(f.id ?? '-1'));

describe('GET /v1/events/stream', () => {
  it('resumes with Last-Event-ID after both sides restart, with no gap and no repeat', async () => {
    const category = uniqueCategory();
    await record(category, 30);
    const first = new SseClient(
      `${baseUrl}/v1/events/stream?category=${category}`,
      bearer(serviceKey),
    );
    expect(await first.connect()).toBe(200);
    await first.waitFor((c) => c.events.length >= 12);
    first.close(); // the client dies mid-stream
    const seen = positions(first);

    await app.close(); // and so does the server
    await startApp();
    await record(category, 15); // recorded while nobody listens

    const lastSeen = seen[seen.length - 1].toString();
    const second = new SseClient(`${baseUrl}/v1/events/stream?category=${category}`, {
      ...bearer(serviceKey),
      'Last-Event-ID': lastSeen,
    });
    await second.connect();
    await second.waitFor((c) => seen.length + c.events.length >= 45);
    await record(category, 5); // live, after the reconnect caught up
    await second.waitFor((c) => seen.length + c.events.length >= 50);
    second.close();

    const all = [...seen, ...positions(second)];
    const expected: bigint[] = [];
    for await (const event of store().readAll({ filter: { categories: [category] } }))
      expected.push(event.position);
    expect(all).toEqual(expected);
    expect(second.events.every((f) => JSON.parse(f.data).streamId === `${category}-c1`)).toBe(true);
  });

  it('starts at the beginning by default, live only with from=end, and filters by type and customer', async () => {
    const category = uniqueCategory();
    await record(category, 4, 'alice');
    await record(category, 4, 'bob');
    const live = new SseClient(
      `${baseUrl}/v1/events/stream?category=${category}&from=end`,
      bearer(serviceKey),
    );
    const alice = new SseClient(
      `${baseUrl}/v1/events/stream?category=${category}&customerId=alice&type=Complaint`,
      bearer(serviceKey),
    );
    await live.connect();
    await alice.connect();
    await alice.waitFor((c) => c.frames.some((f) => f.event === 'caught-up'));
    expect(alice.events.map((f) => JSON.parse(f.data).data.n)).toEqual([0, 2]);
    await record(category, 2, 'alice');
    await live.waitFor((c) => c.events.length >= 2);
    await alice.waitFor((c) => c.events.length >= 3);
    expect(live.events.map((f) => JSON.parse(f.data).data.customerId)).toEqual(['alice', 'alice']);
    expect(alice.events.map((f) => f.event)).toEqual([
      'ComplaintFiled',
      'ComplaintFiled',
      'ComplaintFiled',
    ]);
    live.close();
    alice.close();
  });

  it('sends heartbeats on an idle connection and rejects a bad position', async () => {
    const idle = new SseClient(
      `${baseUrl}/v1/events/stream?category=${uniqueCategory()}`,
      bearer(serviceKey),
    );
    await idle.connect();
    await new Promise((resolve) => setTimeout(resolve, 700));
    idle.close();
    // one greeting comment, then a heartbeat every 200 ms
    expect(idle.comments).toBeGreaterThanOrEqual(3);
    await authed(app, adminKey).get('/v1/events/stream?from=yesterday').expect(400);
  });

  it('offers the same feed in-process as an rxjs Observable, resumable from a position', async () => {
    const category = uniqueCategory();
    await record(category, 6);
    const feed = app.get(EventFeed);
    const firstThree = await lastValueFrom(
      feed.observe({ categories: [category] }).pipe(take(3), toArray()),
    );
    const rest = await lastValueFrom(
      feed
        .observe({ categories: [category], from: firstThree[2].position })
        .pipe(take(3), toArray()),
    );
    expect([...firstThree, ...rest].map((e) => (e.data as { n: number }).n)).toEqual([
      0, 1, 2, 3, 4, 5,
    ]);
  });
});

describe('webhooks', () => {
  const secret = 'a-very-secret-shared-key';
  let receiver: Server;
  let receiverUrl: string;
  const received: { n: number; valid: boolean; id: string }[] = [];
  let failuresToInject = 0;
  let alwaysFail = false;

  beforeAll(async () => {
    receiver = createServer((req: IncomingMessage, res) => {
      let body = '';
      req.on('data', (chunk: Buffer) => (body += chunk.toString()));
      req.on('end', () => {
        if (alwaysFail || failuresToInject > 0) {
          failuresToInject--;
          res.writeHead(503).end();
          return;
        }
        const valid = verifyWebhookSignature(
          secret,
          String(req.headers[SIGNATURE_HEADER]),
          body,
          Math.floor(Date.now() / 1000),
        );
        const event = JSON.parse(body) as { id: string; data: { n: number } };
        received.push({ n: event.data.n, valid, id: event.id });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    const address = receiver.address() as { port: number };
    receiverUrl = `http://127.0.0.1:${address.port}/hook`;
  });

  afterAll(() => new Promise((resolve) => receiver.close(resolve)));

  async function waitUntil(
    predicate: () => boolean | Promise<boolean>,
    timeoutMs = 15_000,
  ): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!(await predicate())) {
      if (Date.now() > deadline) throw new Error('timed out');
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  it('delivers signed, in order, retries failures, and resumes after a restart without repeats', async () => {
    received.length = 0;
    const category = uniqueCategory();
    await record(category, 2); // before registration: not delivered (from defaults to end)
    const created = await authed(app, adminKey)
      .post('/v1/subscriptions')
      .send({ url: receiverUrl, secret, categories: [category] })
      .expect(201);
    const id = created.body.subscriptionId as string;
    failuresToInject = 2;
    await record(category, 3);
    await waitUntil(() => received.length === 3);
    expect(received.map((r) => r.n)).toEqual([0, 1, 2]);
    expect(received.every((r) => r.valid)).toBe(true);
    const log = await authed(app, adminKey).get(`/v1/subscriptions/${id}/deliveries`).expect(200);
    expect(log.body.filter((e: { outcome: string }) => e.outcome === 'failed')).toHaveLength(2);

    await app.close();
    await startApp();
    await record(category, 2);
    await waitUntil(() => received.length === 5);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received.map((r) => r.n)).toEqual([0, 1, 2, 0, 1]);
    expect(new Set(received.map((r) => r.id)).size).toBe(5);
  });

  it('dead-letters after maxAttempts and delivers again after a replay', async () => {
    received.length = 0;
    const category = uniqueCategory();
    const created = await authed(app, adminKey)
      .post('/v1/subscriptions')
      .send({ url: receiverUrl, secret, categories: [category], maxAttempts: 2 })
      .expect(201);
    const id = created.body.subscriptionId as string;
    alwaysFail = true;
    await record(category, 2);
    await waitUntil(async () => {
      const view = await authed(app, adminKey).get(`/v1/subscriptions/${id}`);
      return view.body.status === 'dead_letter';
    });
    alwaysFail = false;
    await authed(app, adminKey).post(`/v1/subscriptions/${id}/replay`).expect(200);
    await waitUntil(() => received.length === 2);
    expect(received.map((r) => r.n)).toEqual([0, 1]);
  });

  it('delivers from the dispatching instance what another instance registered', async () => {
    received.length = 0;
    process.env.AFTERCARE_WEBHOOKS = 'off';
    const front = await createApiApp({ logger: false });
    await front.init();
    delete process.env.AFTERCARE_WEBHOOKS;
    try {
      const category = uniqueCategory();
      const created = await authed(front, adminKey)
        .post('/v1/subscriptions')
        .send({ url: receiverUrl, secret, categories: [category] })
        .expect(201);
      await record(category, 3);
      await waitUntil(() => received.length === 3);
      expect(received.map((r) => r.n)).toEqual([0, 1, 2]);
      const view = await authed(front, adminKey)
        .get(`/v1/subscriptions/${created.body.subscriptionId}`)
        .expect(200);
      expect(view.body.status).toBe('active');
    } finally {
      await front.close();
    }
  });

  it('rejects a registration without a usable url or secret', async () => {
    const response = await authed(app, adminKey)
      .post('/v1/subscriptions')
      .send({ url: 'not a url', secret: 'short' })
      .expect(400);
    expect(JSON.stringify(response.body)).toMatch(/url/);
    expect(JSON.stringify(response.body)).toMatch(/secret/);
  });
});
