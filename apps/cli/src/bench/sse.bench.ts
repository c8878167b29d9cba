import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { ApiKeys, EVENT_STORE } from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../../api/src/bootstrap';
import { quantile } from './bench-stats';

export interface SseBenchOptions {
  events?: number;
  log: (line: string) => void;
}

/**
 * SSE delivery latency: from the moment an append is called to the moment an HTTP client of
 * `GET /v1/events/stream` has parsed the frame, next to the same measurement through an
 * in-process store subscription (no HTTP), in the same run on the embedded store.
 */
export async function runSseBench(options: SseBenchOptions): Promise<void> {
  const count = options.events ?? 2000;
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-sse-bench-'));
  process.env.AFTERCARE_STORE = 'sqlite';
  process.env.AFTERCARE_SQLITE_PATH = join(dir, 'bench.db');
  const cpu = cpus();
  options.log(
    `machine: ${cpu.length} cores, ${cpu[0]?.model.trim() ?? 'unknown cpu'}, node ${process.version}`,
  );
  const app = await createApiApp({ logger: false });
  await app.listen(0, '127.0.0.1');
  const url = (await app.getUrl()).replace('[::1]', '127.0.0.1');
  const store = app.get<EventStore>(EVENT_STORE);
  try {
    const baseline = await measureSubscription(store, count);
    const { key } = await app
      .get(ApiKeys)
      .create({ role: 'service', name: 'sse bench', createdBy: 'bench' });
    const sse = await measureSse(store, url, count, { authorization: `Bearer ${key}` });
    options.log(
      `SSE delivery latency over ${count} events appended one at a time, 2 ms apart (ms, append called -> delivered)`,
    );
    options.log(
      `  in-process subscription (baseline): p50 ${fmt(baseline.p50)}  p99 ${fmt(baseline.p99)}`,
    );
    options.log(
      `  SSE to an HTTP client:              p50 ${fmt(sse.p50)}  p99 ${fmt(sse.p99)}  (HTTP adds p50 ${fmt(sse.p50 - baseline.p50)}, p99 ${fmt(sse.p99 - baseline.p99)})`,
    );
  } finally {
    await app.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (x: number): string => x.toFixed(2);

/** Appends are spaced so the figure is delivery latency, not queueing behind a burst. */
const pause = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 2));

async function appendTimed(
  store: EventStore,
  category: string,
  sent: Map<string, number>,
  i: number,
): Promise<void> {
  const id = randomUUID();
  // Stamped when the append starts: the figure includes the commit (fsync) and the delivery.
  sent.set(id, performance.now());
  await store.appendToStream(`${category}-${i % 50}`, [
    {
      id,
      type: 'BenchEvent',
      data: { customerId: String(i % 50), occurredAt: '2026-01-01T00:00:00.000Z', i },
      metadata: { schemaVersion: 1 },
    },
  ]);
}

async function measureSubscription(
  store: EventStore,
  count: number,
): Promise<{ p50: number; p99: number }> {
  const category = `ssebase${randomUUID().slice(0, 6)}`;
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  const subscription = store.subscribeToAll({ from: 'end', filter: { categories: [category] } });
  const done = (async () => {
    for await (const message of subscription) {
      if (message.kind !== 'event') continue;
      const at = performance.now();
      latencies.push(Math.max(0, at - (sent.get(message.event.id) ?? at)));
      if (latencies.length === count) break;
    }
  })();
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (let i = 0; i < count; i++) {
    await appendTimed(store, category, sent, i);
    await pause();
  }
  await done;
  await subscription.close();
  return percentiles(latencies);
}

async function measureSse(
  store: EventStore,
  url: string,
  count: number,
  headers: Record<string, string>,
): Promise<{ p50: number; p99: number }> {
  const category = `ssebench${randomUUID().slice(0, 6)}`;
  const sent = new Map<string, number>();
  const latencies: number[] = [];
  let resolveDone!: () => void;
  const done = new Promise<void>((resolve) => (resolveDone = resolve));
  let resolveOpen!: () => void;
  const open = new Promise<void>((resolve) => (resolveOpen = resolve));
  const req = request(
    `${url}/v1/events/stream?category=${category}&from=end`,
    { headers },
    (res) => {
      let buffer = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        const at = performance.now();
        resolveOpen();
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').find((line) => line.startsWith('data: '));
          if (!data || (!block.includes('\nid: ') && !block.startsWith('id: '))) continue;
          const id = (JSON.parse(data.slice(6)) as { id: string }).id;
          const stamp = sent.get(id);
          latencies.push(stamp === undefined ? 0 : Math.max(0, at - stamp));
          if (latencies.length === count) resolveDone();
        }
      });
    },
  );
  req.end();
  // Appends start once the stream has sent its first bytes (its greeting): with from=end, an
  // event appended before the subscription started would never arrive.
  await open;
  for (let i = 0; i < count; i++) {
    await appendTimed(store, category, sent, i);
    await pause();
  }
  await done;
  req.destroy();
  return percentiles(latencies);
}

function percentiles(values: number[]): { p50: number; p99: number } {
  const sorted = [...values].sort((a, b) => a - b);
  return { p50: quantile(sorted, 0.5), p99: quantile(sorted, 0.99) };
}
