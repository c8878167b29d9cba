import { Logger } from '@nestjs/common';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type EventStore,
  StoreUnavailableError,
  type Subscription,
  type SubscriptionMessage,
} from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { ProjectionEngine, SqliteReadModelStore } from '@aftercare/read-models';
import { EventFeed } from '../feed/event-feed';
import { WebhookService } from './webhook.service';
import { webhookTargetPolicyFromEnv } from './webhook-target';

/** The store as the webhook loop sees it: while `down`, every read and write fails. */
class FlakyStore {
  down = false;

  constructor(readonly inner: EventStore) {}

  private check(): void {
    if (this.down) throw new StoreUnavailableError('connection terminated (test outage)');
  }

  asStore(): EventStore {
    const inner = this.inner;
    const guarded = <A extends unknown[], R>(fn: (...args: A) => Promise<R>) => {
      return async (...args: A): Promise<R> => {
        this.check();
        return fn(...args);
      };
    };
    return {
      ...inner,
      appendToStream: guarded(inner.appendToStream.bind(inner)),
      headPosition: guarded(inner.headPosition.bind(inner)),
      loadCheckpoint: guarded(inner.loadCheckpoint.bind(inner)),
      saveCheckpoint: guarded(inner.saveCheckpoint.bind(inner)),
      readStream: inner.readStream.bind(inner),
      readAll: inner.readAll.bind(inner),
      health: inner.health.bind(inner),
      close: inner.close.bind(inner),
      subscribeToAll: (options) => this.subscription(inner.subscribeToAll(options)),
    };
  }

  /** A subscription that breaks, as a dropped connection does, on the next message while down. */
  private subscription(inner: Subscription): Subscription {
    const iterator = inner[Symbol.asyncIterator]();
    const next = async (): Promise<IteratorResult<SubscriptionMessage>> => {
      this.check();
      const result = await iterator.next();
      if (this.down) {
        await inner.close();
        this.check();
      }
      return result;
    };
    return { close: () => inner.close(), [Symbol.asyncIterator]: () => ({ next }) };
  }
}

async function until(condition: () => boolean, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('webhook dispatch across a store outage', () => {
  let dir: string;
  let inner: SqliteEventStore;
  let flaky: FlakyStore;
  let service: WebhookService;
  let engine: ProjectionEngine;
  let readModels: SqliteReadModelStore;
  let receiver: Server;
  let url: string;
  const delivered: string[] = [];

  beforeAll(async () => {
    Logger.overrideLogger(false);
    dir = mkdtempSync(join(tmpdir(), 'aftercare-outage-'));
    inner = SqliteEventStore.open({ path: join(dir, 'store.db') });
    flaky = new FlakyStore(inner);
    receiver = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        delivered.push(String(req.headers['aftercare-event-id']));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    const store = flaky.asStore();
    // The runtime the deliveries run on: its read models (and leases) stay up through the outage.
    readModels = SqliteReadModelStore.open({ path: ':memory:' });
    engine = new ProjectionEngine({
      store,
      readModels,
      projections: [],
      leaseTtlMs: 1_000,
      batchWaitMs: 5,
      retryDelayMs: 20,
      maxRetryDelayMs: 200,
      log: () => undefined,
    });
    service = new WebhookService(
      store,
      new EventFeed(store),
      {
        dispatch: true,
        baseBackoffMs: 20,
        maxBackoffMs: 200,
        timeoutMs: 2_000,
        defaultMaxAttempts: 5,
        targets: webhookTargetPolicyFromEnv({ AFTERCARE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' }),
      },
      { key: randomBytes(32), source: 'test' },
      engine,
    );
    service.onApplicationBootstrap();
  });

  afterAll(async () => {
    flaky.down = false;
    await service?.onApplicationShutdown();
    await engine?.stop();
    await readModels?.close();
    await inner?.close();
    await new Promise((resolve) => receiver.close(resolve));
    rmSync(dir, { recursive: true, force: true });
  });

  async function record(n: number): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < n; i++) {
      const id = randomUUID();
      ids.push(id);
      await inner.appendToStream('customer-outage', [
        { id, type: 'CustomerNoted', data: { i }, metadata: { schemaVersion: 1 } },
      ]);
    }
    return ids;
  }

  it('retries while the store is away, then delivers everything once it is back', async () => {
    const hook = await service.register({ url, categories: ['customer'], from: 'start' }, 'now');
    const loopName = `webhook:${hook.subscriptionId}`;
    const loop = () => service.loopStatus().find((s) => s.name === loopName);
    const before = await record(3);
    await until(() => delivered.length >= 3, 'the first deliveries');

    flaky.down = true;
    const during = await record(4);
    await until(() => loop()?.state === 'retrying', 'the loop to report retrying');
    expect(loop()).toMatchObject({
      state: 'retrying',
      lastError: expect.stringContaining('test outage'),
      retryAt: expect.any(String),
    });
    // Still retrying, not given up, after several backoff periods.
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect(loop()?.state).toBe('retrying');

    flaky.down = false;
    const after = await record(2);
    const all = [...before, ...during, ...after];
    await until(() => all.every((id) => delivered.includes(id)), 'every event delivered');
    await until(() => loop()?.state === 'running', 'the loop to report running');
    expect(loop()?.lastError).toBeUndefined();
    // Nothing lost; an event may repeat only if its checkpoint could not be saved.
    expect(new Set(delivered)).toEqual(new Set(all));
    expect((await service.view(hook.subscriptionId)).status).toBe('active');
  });
});
