/**
 * `bench store`: each event-store adapter against its own driver used directly, in the same run,
 * on the same machine, with the same rows and the same durability settings. A ratio of 1 means the
 * adapter costs nothing over hand-written SQL; the ratios, not the absolute figures, are what
 * should hold from machine to machine.
 */
import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Client } from 'pg';
import type { EventStore, EventToAppend } from '@aftercare/event-store';
import { PostgresEventStore } from '@aftercare/event-store/postgres';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { quantile } from './bench-stats';
import { measureSealing } from './pii-sealing.bench';

export interface StoreBenchOptions {
  /** Events per throughput measurement (batched appends and the $all read). Default 20 000. */
  events?: number;
  stores: Array<'sqlite' | 'postgres'>;
  databaseUrl?: string;
  log: (line: string) => void;
}

/** One figure of the adapter next to the same work done with the driver directly. */
interface Figure {
  name: string;
  unit: 'events/s' | 'ms';
  store: number;
  baseline: number;
}

/** The rows both sides write: an event of about 300 bytes of JSON, like a PurchaseRecorded. */
interface BenchEvent extends EventToAppend {
  streamId: string;
  revision: number;
}

const BATCH = 100;
const LATENCY_SAMPLES = 200;
/** Each measure runs in this many slices, alternating which side goes first, to even out noise. */
const ROUNDS = 6;

export async function runStoreBench(options: StoreBenchOptions): Promise<void> {
  const events = Math.max(options.events ?? 20_000, BATCH);
  // Single-event appends wait for one durable commit each: fewer of them keep the run short.
  const singles = Math.max(100, Math.min(2_000, Math.floor(events / 10)));
  const { log } = options;
  const cpu = cpus();
  log('# Event store benchmark');
  log('');
  log(
    `machine: ${cpu.length} cores, ${cpu[0]?.model.trim() ?? 'unknown cpu'}, node ${process.version}, ${process.platform}/${process.arch}`,
  );
  log(`load average at start: ${loadAverage()}`);
  log(
    `workload: ${events} events of ~${eventBytes()} bytes (data + metadata JSON); appends of ${BATCH} per call (${events} events) and of 1 per call (${singles} events); $all read of everything (best of ${ROUNDS}); latency over ${LATENCY_SAMPLES} single appends`,
  );
  log('');
  for (const kind of options.stores) {
    const figures =
      kind === 'sqlite'
        ? await benchSqlite(events, singles)
        : await benchPostgres(
            events,
            singles,
            options.databaseUrl ?? 'postgres://postgres@127.0.0.1:5432/test',
            log,
          );
    if (!figures) continue;
    log(`## ${figures.title}`);
    log('');
    log('| measure | adapter | raw driver | ratio |');
    log('|---|---:|---:|---:|');
    for (const figure of figures.rows) log(formatRow(figure));
    log('');
  }
  if (options.stores.includes('sqlite')) {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-pii-'));
    try {
      const customers = Math.max(100, Math.min(2_000, Math.floor(events / 10)));
      log(`## Personal data sealed (sqlite, ${customers} customers, 2 events each)`);
      log('');
      log('| measure | sealed | plain | ratio |');
      log('|---|---:|---:|---:|');
      for (const f of await measureSealing(dir, customers)) {
        const rate = (n: number) => `${Math.round(n).toLocaleString('en-US')} ev/s`;
        log(
          `| ${f.name} | ${rate(f.sealed)} | ${rate(f.plain)} | ${(f.sealed / f.plain).toFixed(2)}x |`,
        );
      }
      log('');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  log(`load average at end: ${loadAverage()}`);
}

/** The 1, 5 and 15 minute load averages: how busy the machine was around the figures. */
function loadAverage(): string {
  return loadavg()
    .map((n) => n.toFixed(2))
    .join(' / ');
}

function formatRow(figure: Figure): string {
  // For throughput higher is better; for latency lower is, so the ratio is inverted to read alike.
  const ratio =
    figure.unit === 'ms' ? figure.baseline / figure.store : figure.store / figure.baseline;
  const value = (n: number) =>
    figure.unit === 'ms' ? `${n.toFixed(3)} ms` : `${Math.round(n).toLocaleString('en-US')} ev/s`;
  return `| ${figure.name} | ${value(figure.store)} | ${value(figure.baseline)} | ${ratio.toFixed(2)}x |`;
}

// ---------------------------------------------------------------------------------------------
// Workload

function makeEvents(count: number, perStream: number): BenchEvent[] {
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

function eventBytes(): number {
  const [event] = makeEvents(1, 1);
  return JSON.stringify(event.data).length + JSON.stringify(event.metadata).length;
}

/** Events spread over streams for single appends: a few revisions per stream, like customers. */
function singleEvents(count: number): BenchEvent[] {
  return makeEvents(count, 5);
}

async function timed(work: () => Promise<void> | void): Promise<number> {
  const start = performance.now();
  await work();
  return (performance.now() - start) / 1000;
}

/**
 * Splits the work into ROUNDS slices and runs adapter and baseline slice by slice, alternating
 * which goes first. Returns the total seconds of each side.
 */
async function interleaved<T>(
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
async function bestRead(
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

async function drainAll(store: EventStore): Promise<number> {
  let count = 0;
  for await (const event of store.readAll()) {
    if (event.data) count++;
  }
  return count;
}

/** Events a subscription from the start delivers before it says it caught up. */
async function catchUp(store: EventStore): Promise<number> {
  const subscription = store.subscribeToAll({ from: 'start' });
  let count = 0;
  try {
    for await (const message of subscription) {
      if (message.kind === 'caughtUp') break;
      if (message.event.data) count++;
    }
  } finally {
    await subscription.close();
  }
  return count;
}

/** Appends one event at a time and measures append-start to delivery on a live subscription. */
async function subscriptionLatency(store: EventStore, samples: number): Promise<number[]> {
  const subscription = store.subscribeToAll({ from: 'end', filter: { categories: ['latency'] } });
  const iterator = subscription[Symbol.asyncIterator]();
  await iterator.next(); // caughtUp
  const latencies: number[] = [];
  try {
    for (const event of makeEvents(samples, 1)) {
      const start = performance.now();
      const delivered = iterator.next();
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
interface RawSide {
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
}

/** Callers appending at once in the concurrent measure. */
const CONCURRENT_CALLERS = 8;

/** Every measure, adapter against driver: appends batched and single, the $all read, latency. */
async function measure(
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
  const concurrentTimes = raw.appendEachConcurrently
    ? await interleaved(
        singleEvents(singles),
        (list) =>
          Promise.all(
            split(list, CONCURRENT_CALLERS).map(async (part) => {
              for (const e of part) await store.appendToStream(e.streamId, [e]);
            }),
          ).then(() => undefined),
        (list) => raw.appendEachConcurrently!(split(list, CONCURRENT_CALLERS)),
      )
    : undefined;
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
            singles / concurrentTimes.store,
            singles / concurrentTimes.raw,
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
async function roundTripLatency(
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

// ---------------------------------------------------------------------------------------------
// SQLite

async function benchSqlite(
  events: number,
  singles: number,
): Promise<{ title: string; rows: Figure[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-bench-'));
  try {
    const store = SqliteEventStore.open({ path: join(dir, 'store.db') });
    const raw = new Database(join(dir, 'raw.db'));
    raw.pragma('journal_mode = WAL');
    raw.pragma('synchronous = FULL');
    raw.exec(`CREATE TABLE events (
      position INTEGER PRIMARY KEY, stream_id TEXT NOT NULL, revision INTEGER NOT NULL,
      event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, metadata TEXT NOT NULL,
      recorded_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX events_stream_revision ON events (stream_id, revision);`);
    const insert = raw.prepare(
      'INSERT INTO events (stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)',
    );
    const insertRow = (e: BenchEvent) =>
      insert.run(
        e.streamId,
        e.revision,
        e.id,
        e.type,
        JSON.stringify(e.data),
        JSON.stringify(e.metadata),
        Date.now(),
      );
    const insertBatch = raw.transaction((list: BenchEvent[]) => {
      for (const e of list) insertRow(e);
    });
    const scan = raw
      .prepare(
        'SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at FROM events ORDER BY position',
      )
      .raw(true);
    const byPosition = raw
      .prepare('SELECT data, metadata FROM events WHERE position = ?')
      .raw(true);

    const rows = await measure(
      store,
      {
        warmUp: () => {
          for (const e of makeEvents(BATCH, BATCH)) insertRow(e);
        },
        appendBatches: (lists) => {
          for (const list of lists) insertBatch(list);
        },
        appendEach: (list) => {
          for (const e of list) insertRow(e);
        },
        readAll: () => {
          let count = 0;
          for (const row of scan.iterate() as IterableIterator<unknown[]>) {
            JSON.parse(row[5] as string);
            JSON.parse(row[6] as string);
            count++;
          }
          return count;
        },
        // Commit one row and read it back on the same connection (no subscription machinery).
        roundTrip: (e) => {
          const info = insertRow(e);
          const row = byPosition.get(info.lastInsertRowid) as string[];
          JSON.parse(row[0]);
          JSON.parse(row[1]);
        },
      },
      events,
      singles,
    );

    const version = raw.prepare('SELECT sqlite_version()').pluck().get() as string;
    await store.close();
    raw.close();
    return { title: `SQLite ${version} (WAL, synchronous=FULL, temp file)`, rows };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

async function benchPostgres(
  events: number,
  singles: number,
  databaseUrl: string,
  log: (line: string) => void,
): Promise<{ title: string; rows: Figure[] } | undefined> {
  const admin = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    log(`## PostgreSQL: skipped, not reachable at ${databaseUrl} (${(error as Error).message})`);
    log('');
    return undefined;
  }
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
  const raw = new Client({ connectionString: databaseUrl });
  const listener = new Client({ connectionString: databaseUrl });
  const callers = Array.from(
    { length: CONCURRENT_CALLERS },
    () => new Client({ connectionString: databaseUrl }),
  );
  try {
    await raw.connect();
    await listener.connect();
    await Promise.all(callers.map((caller) => caller.connect()));
    const table = `${schema}.raw_events`;
    await raw.query(`CREATE TABLE ${table} (
      position bigserial PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL,
      event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, revision))`);
    const columns = (e: BenchEvent) => [
      e.streamId,
      e.revision,
      e.id,
      e.type,
      JSON.stringify(e.data),
      JSON.stringify(e.metadata),
    ];
    const insertOne = {
      name: 'raw-insert-one',
      text: `INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING position`,
    };
    const insertMany = {
      name: 'raw-insert-many',
      text: `INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])`,
    };
    const rawMany = (list: BenchEvent[]) =>
      raw.query({
        ...insertMany,
        values: [
          list.map((e) => e.streamId),
          list.map((e) => e.revision),
          list.map((e) => e.id),
          list.map((e) => e.type),
          list.map((e) => JSON.stringify(e.data)),
          list.map((e) => JSON.stringify(e.metadata)),
        ],
      });
    const channel = `${schema}_raw`;
    await listener.query(`LISTEN ${channel}`);

    const rows = await measure(
      store,
      {
        warmUp: () => rawMany(makeEvents(BATCH, BATCH)),
        appendBatches: async (lists) => {
          for (const list of lists) await rawMany(list);
        },
        appendEach: async (list) => {
          for (const e of list) await raw.query({ ...insertOne, values: columns(e) });
        },
        appendEachConcurrently: async (lists) => {
          await Promise.all(
            lists.map(async (list, i) => {
              for (const e of list) await callers[i].query({ ...insertOne, values: columns(e) });
            }),
          );
        },
        // Keyset pages of 1000 rows too (one query would hold the whole table in memory); pg
        // parses jsonb with JSON.parse.
        readAll: async () => {
          let count = 0;
          let after = '0';
          for (;;) {
            const { rows: page } = await raw.query<unknown[]>({
              name: 'raw-scan',
              text: `SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at
                     FROM ${table} WHERE position > $1 ORDER BY position LIMIT 1000`,
              values: [after],
              rowMode: 'array',
            });
            if (!page.length) return count;
            count += page.length;
            after = page[page.length - 1][0] as string;
          }
        },
        // INSERT + pg_notify in one statement, LISTEN on another connection, fetch the row.
        roundTrip: async (e) => {
          const notified = new Promise<string>((resolve) =>
            listener.once('notification', (message) => resolve(message.payload ?? '0')),
          );
          await raw.query({
            name: 'raw-insert-notify',
            text: `WITH inserted AS (
                     INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING position)
                   SELECT pg_notify('${channel}', position::text) FROM inserted`,
            values: columns(e),
          });
          const position = await notified;
          await listener.query(`SELECT data, metadata FROM ${table} WHERE position = $1`, [
            position,
          ]);
        },
      },
      events,
      singles,
    );

    const { rows: settings } = await admin.query<{ version: string; sync: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync",
    );
    return {
      title: `PostgreSQL ${settings[0].version} (synchronous_commit=${settings[0].sync}, local; raw: one connection, ${CONCURRENT_CALLERS} for the concurrent measure)`,
      rows,
    };
  } finally {
    await store.close();
    await raw.end().catch(() => undefined);
    await listener.end().catch(() => undefined);
    await Promise.all(callers.map((caller) => caller.end().catch(() => undefined)));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}

/**
 * The events dealt into `parts` lists stream by stream, so concurrent callers write to different
 * streams (different customers), in each stream's order.
 */
function split(list: BenchEvent[], parts: number): BenchEvent[][] {
  const streams = new Map<string, number>();
  const lists: BenchEvent[][] = Array.from({ length: parts }, () => []);
  for (const event of list) {
    let part = streams.get(event.streamId);
    if (part === undefined) streams.set(event.streamId, (part = streams.size % parts));
    lists[part].push(event);
  }
  return lists.filter((part) => part.length > 0);
}

function chunk<T>(list: T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let i = 0; i < list.length; i += size) chunks.push(list.slice(i, i + size));
  return chunks;
}
