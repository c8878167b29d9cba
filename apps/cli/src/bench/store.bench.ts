/**
 * `bench store`: each event-store adapter against its own driver used directly, in the same run,
 * on the same machine, with the same rows and the same durability settings. A ratio of 1 means the
 * adapter costs nothing over hand-written SQL; the ratios, not the absolute figures, are what
 * should hold from machine to machine.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { measureSealing } from './pii-sealing.bench';
import {
  type Figure,
  type BenchEvent,
  BATCH,
  CONCURRENT_CALLERS,
  CONCURRENT_SCALE,
  LATENCY_SAMPLES,
  ROUNDS,
  loadAverage,
  formatRow,
  makeEvents,
  eventBytes,
  measure,
} from './store-bench.kit';
import { benchPostgres } from './store-postgres.bench';

export interface StoreBenchOptions {
  /** Events per throughput measurement (batched appends and the $all read). Default 20 000. */
  events?: number;
  stores: Array<'sqlite' | 'postgres'>;
  databaseUrl?: string;
  log: (line: string) => void;
}

/** One figure of the adapter next to the same work done with the driver directly. */
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
    `workload: ${events} events of ~${eventBytes()} bytes (data + metadata JSON); appends of ${BATCH} per call (${events} events) and of 1 per call (${singles} events; ${singles * CONCURRENT_SCALE} for ${CONCURRENT_CALLERS} concurrent callers); $all read of everything (best of ${ROUNDS}); latency over ${LATENCY_SAMPLES} single appends`,
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
