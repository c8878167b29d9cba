import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { seedStore } from '@aftercare/application';
import { loadAverage } from './store-bench.kit';

export interface SeedBenchOptions {
  /** Customers of the seeded world. Default 72,000 (about 1.03M events). */
  customers?: number;
  seed?: string;
  /** Worker threads of the seed ('auto': one per core). */
  workers?: number | 'auto';
  log: (line: string) => void;
}

type Side = { events: number; seconds: number; cpuSeconds: number };

const DEFAULT_CUSTOMERS = 72_000;
/** Rows the baseline reads from the seeded store (not timed), then inserts in one transaction. */
const BASELINE_TRANSACTION_ROWS = 50_000;

/**
 * `seed` against the ceiling of its writes, in the same run: the seed of a world into a fresh
 * SQLite store (simulation, serialisation, appends, all threads), then the very rows it stored
 * (same JSON, same streams, same order) inserted by plain better-sqlite3 into a fresh file with
 * the same tables and indexes, in transactions of 50,000 rows, with the same durability
 * (WAL, synchronous=NORMAL). CPU time is the process's, all threads, from process.cpuUsage.
 */
export async function runSeedBench(options: SeedBenchOptions): Promise<void> {
  const { log } = options;
  const customers = options.customers ?? DEFAULT_CUSTOMERS;
  const temp = mkdtempSync(join(tmpdir(), 'aftercare-seed-bench-'));
  try {
    log(
      `machine: ${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`,
    );
    log(`load average at start (1/5/15 min): ${loadAverage()}`);
    const seedPath = join(temp, 'seeded.db');
    const seeded = await timedSide(async () => {
      const store = SqliteEventStore.open({ path: seedPath, synchronous: 'normal' });
      try {
        return await seedStore(
          store,
          { customers, seed: options.seed ?? '1' },
          { workers: options.workers ?? 'auto', truthPath: join(temp, 'truth.ndjson') },
        );
      } finally {
        await store.close();
      }
    });
    log(`load average after the seed: ${loadAverage()}`);
    const raw = rawInserts(seedPath, join(temp, 'raw.db'));
    log(`load average at end: ${loadAverage()}`);
    log('');
    log('| measure | events | wall | events/s | CPU (all threads) | CPU µs per event |');
    log('| --- | ---: | ---: | ---: | ---: | ---: |');
    log(row(`seed --customers ${customers.toLocaleString('en-US')}`, seeded));
    log(row('raw better-sqlite3 inserts, same rows', raw));
    log('');
    log(
      `ratio seed / raw: ${(rate(seeded) / rate(raw)).toFixed(3)}x events/s, ` +
        `${(raw.cpuSeconds / raw.events / (seeded.cpuSeconds / seeded.events)).toFixed(3)}x CPU per event`,
    );
    log(
      `seed pipeline: the storing thread waited for the simulation ${(seeded.result.waitedForSimulationMs / 1000).toFixed(1)} s ` +
        `of ${seeded.seconds.toFixed(1)} s; all threads used ${(seeded.cpuSeconds / seeded.seconds).toFixed(2)} ` +
        `of ${availableParallelism()} cores`,
    );
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

async function timedSide<T extends { events: number }>(
  run: () => Promise<T>,
): Promise<Side & { result: T }> {
  const cpu = process.cpuUsage();
  const started = performance.now();
  const result = await run();
  const used = process.cpuUsage(cpu);
  return {
    events: result.events,
    seconds: (performance.now() - started) / 1000,
    cpuSeconds: (used.user + used.system) / 1e6,
    result,
  };
}

/**
 * The baseline: the seeded rows into a plain copy of the tables, a prepared single-row INSERT per
 * event (and per new stream, its number kept in a Map), one transaction per 50,000 rows. Only the inserts and commits are
 * timed, not reading the rows from the seeded file.
 */
function rawInserts(from: string, to: string): Side {
  const source = new Database(from, { readonly: true });
  const db = new Database(to);
  try {
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.exec(`
      CREATE TABLE streams (stream_no INTEGER PRIMARY KEY, stream_id TEXT NOT NULL UNIQUE);
      CREATE TABLE events (
        position INTEGER PRIMARY KEY, stream_no INTEGER NOT NULL, stream_id TEXT NOT NULL,
        revision INTEGER NOT NULL, event_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL,
        metadata TEXT NOT NULL, recorded_at INTEGER NOT NULL);
      CREATE UNIQUE INDEX events_stream_revision ON events (stream_no, revision);
      CREATE UNIQUE INDEX events_stream_event_id ON events (stream_no, event_id);
    `);
    const page = source
      .prepare(
        `SELECT position, stream_id, revision, event_id, type, data, metadata FROM es_events
         WHERE position > ? ORDER BY position LIMIT ${BASELINE_TRANSACTION_ROWS}`,
      )
      .raw(true);
    const insertStream = db.prepare('INSERT INTO streams (stream_id) VALUES (?)');
    const streamNos = new Map<string, number>();
    const insert = db.prepare(
      'INSERT INTO events (position, stream_no, stream_id, revision, event_id, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
    );
    type Row = [number, string, number, string, string, string, string];
    const write = db.transaction((rows: Row[]) => {
      const now = Date.now();
      for (const [position, streamId, revision, id, type, data, metadata] of rows) {
        let no = streamNos.get(streamId);
        if (no === undefined) {
          no = Number(insertStream.run(streamId).lastInsertRowid);
          streamNos.set(streamId, no);
        }
        insert.run(position, no, streamId, revision, id, type, data, metadata, now);
      }
    });
    let events = 0;
    let seconds = 0;
    let cpuSeconds = 0;
    for (let after = 0; ;) {
      const rows = page.all(after) as Row[];
      if (rows.length === 0) break;
      const cpu = process.cpuUsage();
      const started = performance.now();
      write(rows);
      const used = process.cpuUsage(cpu);
      seconds += (performance.now() - started) / 1000;
      cpuSeconds += (used.user + used.system) / 1e6;
      events += rows.length;
      after = rows[rows.length - 1][0];
    }
    return { events, seconds, cpuSeconds };
  } finally {
    db.close();
    source.close();
  }
}

function rate(side: Side): number {
  return side.events / side.seconds;
}

function row(name: string, side: Side): string {
  const n = (x: number) => Math.round(x).toLocaleString('en-US');
  return (
    `| ${name} | ${n(side.events)} | ${side.seconds.toFixed(1)} s | ${n(rate(side))} | ` +
    `${side.cpuSeconds.toFixed(1)} s | ${((side.cpuSeconds / side.events) * 1e6).toFixed(1)} |`
  );
}
