import Database from 'better-sqlite3';
import { SqliteEventStore } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import {
  rebuildProjections,
  SqliteReadModelStore,
  sqliteRebuildSource,
  storeSource,
} from '@aftercare/projections';

export interface ReplayBenchOptions {
  /** An already seeded SQLite store file (read models are rebuilt into it). */
  dbPath: string;
  log: (line: string) => void;
  /** The projections to rebuild, all in one pass. */
  projections: readonly AnyProjection[];
  /** Also rebuild through the portable `readAll` path (slower; any adapter). Default false. */
  portable?: boolean;
}

interface Measured {
  events: number;
  seconds: number;
  peakRssMb: number;
  peakHeapMb: number;
}

/**
 * Replay throughput on a seeded store: a read-only baseline (read every event and parse its JSON,
 * nothing projected) and the rebuild of all given projections, measured in the same run, with
 * their ratio, peak memory and memory per key.
 */
export async function runReplayBench(options: ReplayBenchOptions): Promise<void> {
  const { log, projections } = options;
  const store = SqliteEventStore.open({ path: options.dbPath, synchronous: 'normal' });
  const readModels = SqliteReadModelStore.open({ path: options.dbPath });
  try {
    const head = Number((await store.headPosition()) ?? 0n);
    log(`store ${options.dbPath}: ${head.toLocaleString('en')} events`);
    log(`projections: ${projections.map((p) => p.name).join(', ')}`);

    const raw = await measure(async () => readRawBaseline(options.dbPath));
    line(log, 'baseline: read rows + JSON.parse', raw);
    const portableBaseline = await measure(async () => {
      let events = 0;
      for await (const _event of store.readAll()) events++;
      return events;
    });
    line(log, 'baseline: store.readAll (parsed)', portableBaseline);

    let heapBeforeFold = 0;
    let heapAfterFold = 0;
    let keys = 0;
    global.gc?.();
    const rebuild = await measure(async () => {
      heapBeforeFold = process.memoryUsage().heapUsed;
      const result = await rebuildProjections({
        store,
        readModels,
        projections,
        owner: 'replay-bench',
        source: sqliteRebuildSource(store.db),
        progressIntervalMs: 1000,
        onProgress: (progress) => {
          if (progress.phase === 'writing') heapAfterFold = process.memoryUsage().heapUsed;
        },
      });
      keys = result.projections.reduce((sum, p) => sum + p.keys, 0);
      return result.events;
    });
    line(log, `rebuild all (${projections.length}), raw rows, one pass`, rebuild);
    log(
      `  keys: ${keys.toLocaleString('en')}; memory per key ~${Math.round(
        (heapAfterFold - heapBeforeFold) / Math.max(1, keys),
      )} bytes of heap (folded states held until the swap)`,
    );
    log(
      `ratio rebuild / raw baseline: ${ratio(rebuild, raw)} (target >= 0.50); ` +
        `rebuild / readAll baseline: ${ratio(rebuild, portableBaseline)}`,
    );

    if (options.portable) {
      const portable = await measure(async () => {
        const result = await rebuildProjections({
          store,
          readModels,
          projections,
          owner: 'replay-bench',
          source: storeSource(store),
        });
        return result.events;
      });
      line(log, 'rebuild all, portable readAll path', portable);
      log(`ratio portable rebuild / readAll baseline: ${ratio(portable, portableBaseline)}`);
    }
  } finally {
    await readModels.close();
    await store.close();
  }
}

/** What a replay cannot beat: every row read and its data parsed, on a fresh connection. */
function readRawBaseline(path: string): number {
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

async function measure(run: () => Promise<number> | number): Promise<Measured> {
  let peakRss = 0;
  let peakHeap = 0;
  const sample = (): void => {
    const usage = process.memoryUsage();
    peakRss = Math.max(peakRss, usage.rss);
    peakHeap = Math.max(peakHeap, usage.heapUsed);
  };
  sample();
  const timer = setInterval(sample, 25);
  const started = performance.now();
  try {
    const events = await run();
    const seconds = (performance.now() - started) / 1000;
    sample();
    return { events, seconds, peakRssMb: peakRss / 2 ** 20, peakHeapMb: peakHeap / 2 ** 20 };
  } finally {
    clearInterval(timer);
  }
}

function line(log: (line: string) => void, label: string, m: Measured): void {
  log(
    `${label.padEnd(44)} ${m.events.toLocaleString('en').padStart(10)} events  ${m.seconds.toFixed(2).padStart(6)} s  ` +
      `${Math.round(m.events / m.seconds)
        .toLocaleString('en')
        .padStart(9)} ev/s  ` +
      `peak rss ${m.peakRssMb.toFixed(0)} MB, heap ${m.peakHeapMb.toFixed(0)} MB`,
  );
}

function ratio(candidate: Measured, baseline: Measured): string {
  const a = candidate.events / candidate.seconds;
  const b = baseline.events / baseline.seconds;
  return (a / b).toFixed(2);
}
