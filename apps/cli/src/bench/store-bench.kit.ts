/** What the store bench's measurements share: events to append, timing, raw baselines. */
import { randomUUID } from 'node:crypto';
import { loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import type { EventStore, EventToAppend } from '@aftercare/event-store';
import { quantile } from './bench-stats';

export interface Figure {
  name: string;
  unit: 'events/s' | 'ms';
  store: number;
  baseline: number;
}

/** The rows both sides write: an event of about 300 bytes of JSON, like a PurchaseRecorded. */
export interface BenchEvent extends EventToAppend {
  streamId: string;
  revision: number;
}

export const BATCH = 100;
export const LATENCY_SAMPLES = 200;
/** Each measure runs in this many slices, alternating which side goes first, to even out noise. */
export const ROUNDS = 6;

/** The 1, 5 and 15 minute load averages: how busy the machine was around the figures. */
export function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
}

export function formatRow(figure: Figure): string {
  // For throughput higher is better; for latency lower is, so the ratio is inverted to read alike.
  const ratio =
    figure.unit === 'ms' ? figure.baseline / figure.store : figure.store / figure.baseline;
  const value = (n: number) =>
    figure.unit === 'ms' ? `${n.toFixed(3)} ms` : `${Math.round(n).toLocaleString('en-US')} ev/s`;
  return `| ${figure.name} | ${value(figure.store)} | ${value(figure.baseline)} | ${ratio.toFixed(2)}x |`;
}

// ---------------------------------------------------------------------------------------------
// Workload

export function makeEvents(count: number, perStream: number): BenchEvent[] {
  const list: BenchEvent[] = [];
  let streamId = '';
  for (let i = 0; i < count; i++) {
    if (i % perStream === 0) streamId = `customer-${randomUUID()}`;
    const id = randomUUID();
    list.push({
      id,
      streamId,
      revision: i % perStream,
      type: 'PurchaseRecorded',
      data: {
        customerId: streamId.slice(9),
        occurredAt: new Date(1_700_000_000_000 + i * 60_000).toISOString(),
        orderId: `ord-${i}`,
        sku: 'WM-8000-EU',
        serial: `SN${String(i).padStart(10, '0')}`,
        price: 649.9,
        currency: 'EUR',
        channel: 'web',
      },
      metadata: {
        correlationId: id,
        actor: 'agent:bench',
        schemaVersion: 1,
      },
    });
  }
  return list;
}

export function eventBytes(): number {
  const [event] = makeEvents(1, 1);
  return JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
}

/** Events spread over streams for single appends: a few revisions per stream, like customers. */
export function singleEvents(count: number): BenchEvent[] {
  return makeEvents(count, 5);
}

export async function timed(work: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/**
 * Splits the work into ROUNDS slices and runs adapter and baseline slice by slice, alternating
 * which goes first. Returns the total seconds of each side.
 */
export async function interleaved<T>(
  work: T[],
  store: (slice: T[]) => Promise<void> | void,
  raw: (slice: T[]) => Promise<void> | void,
): Promise<{ store: number; raw: number }> {
  const size = Math.ceil(work.length / ROUNDS);
  const total = { store: 0, raw: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    const slice = work.slice(round * size, (round + 1) * size);
    if (round % 2 === 0) {
      total.store += await timed(() => store(slice));
      total.raw += await timed(() => raw(slice));
    } else {
      total.raw += await timed(() => raw(slice));
      total.store += await timed(() => store(slice));
    }
  }
  return total;
}

/** Best of ROUNDS full reads per side, alternating. Returns events per second. */
export async function bestRead(
  store: () => Promise<number>,
  raw: () => Promise<number> | number,
): Promise<{ store: number; raw: number }> {
  const best = { store: 0, raw: 0 };
  for (let round = 0; round < ROUNDS; round++) {
    for (const side of round % 2 === 0
      ? (['store', 'raw'] as const)
      : (['raw', 'store'] as const)) {
      let count = 0;
      const seconds = await timed(async () => {
        count = await (side === 'store' ? store() : raw());
      });
      best[side] = Math.max(best[side], count / seconds);
    }
  }
  return best;
}

export async function drainAll(store: EventStore): Promise<number> {
  let count = 0;
  for await (const event of store.readAll()) {
    if (event.data) count++;
  }
  return count;
}

/** Events a subscription from the start delivers before it says it caught up. */
export async function catchUp(store: EventStore): Promise<number> {
  const subscription = store.subscribeToAll({ from: 'start' });
  let count = 0;
  try {
    for await (const message of subscription) {
      if (message.kind === 'caughtUp') break;
      if (message.kind === 'event' && message.event.data) count++;
    }
  } finally {
    await subscription.close();
  }
  return count;
}

/** Appends one event at a time and measures append-start to delivery on a live subscription. */
export async function subscriptionLatency(store: EventStore, samples: number): Promise<number[]> {
  const subscription = store.subscribeToAll({ from: 'end', filter: { categories: ['latency'] } });
  const iterator = subscription[Symbol.asyncIterator]();
  await iterator.next(); // caughtUp
  const latencies: number[] = [];
  try {
    for (const event of makeEvents(samples, 1)) {
      const start = performance.now();
      const delivered = (async () => {
        for (;;) {
          const next = await iterator.next();
          if (next.done || next.value.kind === 'event') return;
        }
      })();
      await store.appendToStream(`latency-${event.id}`, [event]);
      await delivered;
      latencies.push(performance.now() - start);
    }
  } finally {
    await subscription.close();
  }
  return latencies.sort((a, b) => a - b);
}

/** What the driver used directly does for each measure, next to the adapter doing the same. */
export interface RawSide {
  /** Writes a first batch, on streams the measurement never touches (caches, file growth). */
  warmUp(): Promise<unknown> | void;
  /** Appends each list as one statement or transaction. */
  appendBatches(lists: BenchEvent[][]): Promise<void> | void;
  /** Appends the events one by one, each a durable commit. */
  appendEach(list: BenchEvent[]): Promise<void> | void;
  /** Reads every row with its JSON; returns the count. */
  readAll(): Promise<number> | number;
  /** Commits one event and reads it back as a subscriber would; sync where the driver is. */
  roundTrip(event: BenchEvent): Promise<void> | void;
  /**
   * Appends the lists side by side, each one by one on a connection of its own (each a durable
   * commit). Only where the store serves several connections (PostgreSQL).
   */
  appendEachConcurrently?(lists: BenchEvent[][]): Promise<void>;
  /**
   * Opens another store on the same data with a live subscription, as another process would;
   * returns what closes it. The concurrent measure is repeated while it is open.
   */
  subscribeElsewhere?(): Promise<() => Promise<void>>;
}

/** Callers appending at once in the concurrent measure. */
export const CONCURRENT_CALLERS = 8;
/** The concurrent measure appends this many times as many single events as the one-caller one. */
export const CONCURRENT_SCALE = 4;

/** Every measure, adapter against driver: appends batched and single, the $all read, latency. */
export async function measure(
  store: EventStore,
  raw: RawSide,
  events: number,
  singles: number,
): Promise<Figure[]> {
  const batched = makeEvents(events, BATCH);
  const single = singleEvents(singles);
  await raw.warmUp();
  await store.appendToStream(`warmup-${randomUUID()}`, makeEvents(BATCH, BATCH));

  const batchTimes = await interleaved(
    chunk(batched, BATCH),
    async (lists) => {
      for (const list of lists) await store.appendToStream(list[0].streamId, list);
    },
    raw.appendBatches,
  );
  const singleTimes = await interleaved(
    single,
    async (list) => {
      for (const e of list) await store.appendToStream(e.streamId, [e]);
    },
    raw.appendEach,
  );
  // Eight callers get through single events several times as fast as one, so they get more of
  // them: slices of a fraction of a second swung by ±0.3 with other jobs' bursts of load.
  const concurrentSingles = singles * CONCURRENT_SCALE;
  const concurrently = (appendEach: (lists: BenchEvent[][]) => Promise<void>) =>
    interleaved(
      singleEvents(concurrentSingles),
      (list) =>
        Promise.all(
          split(list, CONCURRENT_CALLERS).map(async (part) => {
            for (const e of part) await store.appendToStream(e.streamId, [e]);
          }),
        ).then(() => undefined),
      (list) => appendEach(split(list, CONCURRENT_CALLERS)),
    );
  const concurrentTimes = raw.appendEachConcurrently
    ? await concurrently(raw.appendEachConcurrently)
    : undefined;
  let listenedTimes: { store: number; raw: number } | undefined;
  if (raw.appendEachConcurrently && raw.subscribeElsewhere) {
    const stop = await raw.subscribeElsewhere();
    try {
      listenedTimes = await concurrently(raw.appendEachConcurrently);
    } finally {
      await stop();
    }
  }
  const reads = await bestRead(() => drainAll(store), raw.readAll);
  const catchUps = await bestRead(() => catchUp(store), raw.readAll);
  const latencies = await subscriptionLatency(store, LATENCY_SAMPLES);
  const rawLatencies = await roundTripLatency(raw.roundTrip, LATENCY_SAMPLES);
  const figure = (name: string, unit: Figure['unit'], store: number, baseline: number) => ({
    name,
    unit,
    store,
    baseline,
  });
  return [
    figure(
      `append, ${BATCH} events per call`,
      'events/s',
      events / batchTimes.store,
      events / batchTimes.raw,
    ),
    figure(
      'append, 1 event per call',
      'events/s',
      singles / singleTimes.store,
      singles / singleTimes.raw,
    ),
    ...(concurrentTimes
      ? [
          figure(
            `append, 1 event per call, ${CONCURRENT_CALLERS} concurrent callers`,
            'events/s',
            concurrentSingles / concurrentTimes.store,
            concurrentSingles / concurrentTimes.raw,
          ),
        ]
      : []),
    ...(listenedTimes
      ? [
          figure(
            `append, 1 event per call, ${CONCURRENT_CALLERS} concurrent callers, another store subscribed`,
            'events/s',
            concurrentSingles / listenedTimes.store,
            concurrentSingles / listenedTimes.raw,
          ),
        ]
      : []),
    figure('$all read from start, full envelopes', 'events/s', reads.store, reads.raw),
    figure(
      'catch-up subscription from start to caught up',
      'events/s',
      catchUps.store,
      catchUps.raw,
    ),
    ...[0.5, 0.99].map((q) =>
      figure(
        `subscription latency p${q * 100}`,
        'ms',
        quantile(latencies, q),
        quantile(rawLatencies, q),
      ),
    ),
  ];
}

/** Milliseconds of each round trip, sorted. A synchronous one is timed without an await. */
export async function roundTripLatency(
  roundTrip: (event: BenchEvent) => Promise<void> | void,
  samples: number,
): Promise<number[]> {
  const latencies: number[] = [];
  for (const e of makeEvents(samples, 1)) {
    const start = performance.now();
    const pending = roundTrip(e);
    if (pending) await pending;
    latencies.push(performance.now() - start);
  }
  return latencies.sort((a, b) => a - b);
}

/**
 * The events dealt into `parts` lists stream by stream, so concurrent callers write to different
 * streams (different customers), in each stream's order.
 */
export function split(list: BenchEvent[], parts: number): BenchEvent[][] {
  const streams = new Map<string, number>();
  const lists: BenchEvent[][] = Array.from({ length: parts }, () => []);
  for (const event of list) {
    let part = streams.get(event.streamId);
    if (part === undefined) streams.set(event.streamId, (part = streams.size % parts));
    lists[part].push(event);
  }
  return lists.filter((part) => part.length > 0);
}

export function chunk<T>(list: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < list.length; i += size) chunks.push(list.slice(i, i + size));
  return chunks;
}
