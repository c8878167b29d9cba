import { fork } from 'node:child_process';
import Database from 'better-sqlite3';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { projections } from '@aftercare/projections';
import {
  rebuildProjections,
  type RebuildResult,
  SqliteReadModelStore,
  sqliteRebuildSource,
  workerRebuild,
} from '@aftercare/read-models';

export interface Measured {
  events: number;
  seconds: number;
  /** CPU time of the whole process (every thread), user and system. */
  cpuSeconds: number;
  peakRssMb: number;
  peakHeapMb: number;
  rssBeforeMb: number;
  /** Keys of customer_profile after a rebuild: the customers the memory is spread over. */
  customers?: number;
}

/**
 * What one fresh process measures: the read-only baseline, or a rebuild of every projection:
 * 'one-thread' folds and writes on this thread; 'workers' as `projections rebuild` runs it (a
 * worker with a bounded heap writes what fold workers of its own fold); 'off-thread' as the
 * runtime rebuilds far-behind projections (one worker with a bounded heap folds and writes).
 */
export type ReplayMeasure = 'baseline' | 'one-thread' | 'workers' | 'off-thread';

/** Samples the process's RSS and heap every 25 ms while `run` runs, and its CPU time. */
export async function measure(run: () => Promise<number> | number): Promise<Measured> {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  const rssBefore = process.memoryUsage().rss;
  sample();
  const timer = setInterval(sample, 25);
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  try {
    const events = await run();
    const seconds = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    sample();
    return {
      events,
      seconds,
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      peakRssMb: peakRss / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
      rssBeforeMb: rssBefore / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Runs one measure in a process of its own: a process's RSS does not shrink back after a run
 * (V8 keeps the pages it grew), so a second measure in the same process would start from the
 * first one's peak and report the memory it added as near nothing.
 */
export function measureApart(what: ReplayMeasure, dbPath: string): Promise<Measured> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, [what, dbPath], { stdio: 'inherit' });
    let result: Measured | undefined;
    child.on('message', (message: { measured?: Measured; error?: string }) => {
      if (message.error) reject(new Error(`${what}: ${message.error}`));
      else result = message.measured;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (result) resolve(result);
      else reject(new Error(`${what}: the measuring process exited (${signal ?? code})`));
    });
  });
}

/** What a replay cannot beat: every row read and its data parsed, on a fresh connection. */
export function readRawBaseline(path: string): number {
  const db = new Database(path, { readonly: true });
  try {
    const page = db
      .prepare(
        'SELECT position, stream_id, type, data FROM es_events WHERE position > ? ORDER BY position LIMIT 5000',
      )
      .raw(true);
    let after = 0;
    let events = 0;
    let sink = 0;
    for (;;) {
      const rows = page.all(after) as [number, string, string, string][];
      if (rows.length === 0) break;
      for (const row of rows) {
        const data = JSON.parse(row[3]) as Record<string, unknown>;
        if (data.customerId !== undefined) sink++;
      }
      events += rows.length;
      after = rows[rows.length - 1][0];
    }
    return events + (sink < 0 ? 1 : 0);
  } finally {
    db.close();
  }
}

/** Keys of customer_profile after a rebuild: the customers the memory is spread over. */
function customersOf(result: RebuildResult): number {
  return result.projections.find((p) => p.name === 'customer_profile')?.keys ?? 0;
}

/** Rebuilds every registered projection into the store's file, on this thread alone. */
async function measureOneThread(dbPath: string): Promise<Measured> {
  const store = SqliteEventStore.open({ path: dbPath, synchronous: 'normal' });
  const readModels = SqliteReadModelStore.open({ path: dbPath });
  try {
    let customers = 0;
    const measured = await measure(async () => {
      const result = await rebuildProjections({
        store,
        readModels,
        projections,
        owner: 'replay-bench',
        source: sqliteRebuildSource(store.db, { workers: 1, warn: (line) => console.log(line) }),
      });
      customers = customersOf(result);
      return result.events;
    });
    return { ...measured, customers };
  } finally {
    await readModels.close();
    await store.close();
  }
}

/**
 * A rebuild off this thread with `createProjectionEngine`'s settings: the runtime's (one bounded
 * worker folds and writes) or the command's (fold workers as the store's size decides).
 */
async function measureOffThread(dbPath: string, fold: 1 | 'auto'): Promise<Measured> {
  const rebuild = workerRebuild({
    eventStorePath: dbPath,
    readModelPath: dbPath,
    minLag: 0n,
    fold: { workers: fold },
    warn: (line) => console.log(line),
  });
  let customers = 0;
  const measured = await measure(async () => {
    const result = await rebuild.run({
      projections,
      owner: 'replay-bench',
      leaseTtlMs: 30_000,
      onProgress: () => undefined,
      signal: new AbortController().signal,
    });
    customers = customersOf(result);
    return result.events;
  });
  return { ...measured, customers };
}

async function main(what: ReplayMeasure, dbPath: string): Promise<Measured> {
  if (what === 'baseline') return measure(() => readRawBaseline(dbPath));
  if (what === 'off-thread') return measureOffThread(dbPath, 1);
  if (what === 'workers') return measureOffThread(dbPath, 'auto');
  return measureOneThread(dbPath);
}

if (require.main === module && process.send) {
  const [what, dbPath] = process.argv.slice(2) as [ReplayMeasure, string];
  main(what, dbPath).then(
    (measured) => process.send!({ measured }, () => process.exit(0)),
    (error: unknown) =>
      process.send!({ error: error instanceof Error ? error.message : String(error) }, () =>
        process.exit(1),
      ),
  );
}
