import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { seedStore } from '@aftercare/application';
import { type AnyProjection, projections } from '@aftercare/projections';
import { rebuildProjections, SqliteReadModelStore, storeSource } from '@aftercare/read-models';
import { measure, measureApart, type Measured } from './replay-measure';
import { loadAverage } from './store-bench.kit';

export interface ReplayBenchOptions {
  /** An already seeded SQLite store file (read models are rebuilt into it); default: a seeded temp store. */
  dbPath?: string;
  /** Customers of the world seeded when no `dbPath` is given. Default 75,000 (about 1.07M events). */
  customers?: number;
  log: (line: string) => void;
  /** Also rebuild through the portable `readAll` path (slower; any adapter). Default false. */
  portable?: boolean;
}

const DEFAULT_CUSTOMERS = 75_000;

/**
 * Replay throughput on a seeded store: a read-only baseline (read every event and parse its JSON,
 * nothing projected) and the rebuild of all registered projections, on one thread, off-thread on
 * fold workers as `projections rebuild` runs it and off-thread as the runtime runs it, measured in
 * the same run, with their ratio to the baseline, peak memory and memory per customer, in all and
 * beyond the stored states' own size (the issue's measure: a rebuild may hold the states it
 * builds). Each runs in a fresh process (`measureApart`), so each one's memory is its own.
 */
export async function runReplayBench(options: ReplayBenchOptions): Promise<void> {
  const { log } = options;
  const temp = options.dbPath ? undefined : mkdtempSync(join(tmpdir(), 'aftercare-replay-'));
  const dbPath = options.dbPath ?? join(temp!, 'replay.db');
  try {
    if (temp) await seed(dbPath, options.customers ?? DEFAULT_CUSTOMERS, log);
    const store = SqliteEventStore.open({ path: dbPath, synchronous: 'normal' });
    const readModels = SqliteReadModelStore.open({ path: dbPath });
    try {
      const head = Number((await store.headPosition()) ?? 0n);
      log(
        `machine: ${availableParallelism()} cores, ${cpus()[0]?.model ?? 'unknown cpu'}, node ${process.version}`,
      );
      log(`store ${dbPath}: ${head.toLocaleString('en')} events`);
      log(`load average at start (1/5/15 min): ${loadAverage()}`);
      log(`projections: ${projections.map((p) => p.name).join(', ')}`);

      const raw = await measureApart('baseline', dbPath);
      line(log, 'baseline: read rows + JSON.parse', raw);

      const single = await measureApart('one-thread', dbPath);
      line(log, `rebuild all (${projections.length}), one thread`, single);
      const customers = single.customers ?? 0;
      const states = stateSize(readModels, projections, customers);
      log(states.line);
      log(readModelPages(readModels, projections));
      const parallel = await measureApart('workers', dbPath);
      line(log, `rebuild all (${projections.length}), fold workers (CLI)`, parallel);
      const offThread = await measureApart('off-thread', dbPath);
      line(log, `rebuild all (${projections.length}), off-thread (runtime)`, offThread);
      for (const [label, m] of [
        ['one thread', single],
        ['fold workers (CLI)', parallel],
        ['off-thread (runtime)', offThread],
      ] as const) {
        const added = perCustomer(m, customers);
        const beyond = added - states.perCustomerKb;
        log(
          `  ${label}: ratio to baseline ${ratio(m, raw)} (target >= 0.50), CPU per event ` +
            `${cpuRatio(m, raw)}x the baseline's; memory per customer ` +
            `~${added.toFixed(1)} KB of peak RSS over ${customers.toLocaleString('en')} customers, ` +
            (beyond > 0
              ? `${beyond.toFixed(1)} KB beyond the states themselves`
              : `${(-beyond).toFixed(1)} KB less than the states themselves`) +
            ` (${states.perCustomerKb.toFixed(1)} KB; target: at most 1 KB beyond)`,
        );
      }

      log(`load average at end: ${loadAverage()}`);

      if (options.portable) {
        const portableBaseline = await measure(async () => {
          let events = 0;
          for await (const _event of store.readAll()) events++;
          return events;
        });
        line(log, 'baseline: store.readAll (parsed)', portableBaseline);
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
  } finally {
    if (temp) rmSync(temp, { recursive: true, force: true });
  }
}

async function seed(path: string, customers: number, log: (line: string) => void): Promise<void> {
  const store = SqliteEventStore.open({ path, synchronous: 'normal' });
  try {
    log(`seeding ${customers.toLocaleString('en')} customers into ${path} ...`);
    const summary = await seedStore(store, { customers });
    log(
      `seeded ${summary.events.toLocaleString('en')} events in ${(summary.elapsedMs / 1000).toFixed(1)} s`,
    );
  } finally {
    await store.close();
  }
}

function line(log: (line: string) => void, label: string, m: Measured): void {
  log(
    `${label.padEnd(44)} ${m.events.toLocaleString('en').padStart(10)} events  ${m.seconds.toFixed(2).padStart(6)} s  ` +
      `(cpu ${m.cpuSeconds.toFixed(2)} s)  ` +
      `${Math.round(m.events / m.seconds)
        .toLocaleString('en')
        .padStart(9)} ev/s  ` +
      `peak rss ${m.peakRssMb.toFixed(0)} MB (${m.rssBeforeMb.toFixed(0)} MB at the start), ` +
      `heap (main thread) ${m.peakHeapMb.toFixed(0)} MB`,
  );
}

function ratio(candidate: Measured, baseline: Measured): string {
  const a = candidate.events / candidate.seconds;
  const b = baseline.events / baseline.seconds;
  return (a / b).toFixed(2);
}

/** CPU time per event of `candidate` over the baseline's: what the machine's load moves least. */
function cpuRatio(candidate: Measured, baseline: Measured): string {
  const a = candidate.cpuSeconds / candidate.events;
  const b = baseline.cpuSeconds / baseline.events;
  return (a / b).toFixed(2);
}

/** Bytes of stored state (JSON) per customer, in all and by projection. */
function stateSize(
  readModels: SqliteReadModelStore,
  projections: readonly AnyProjection[],
  customers: number,
): { line: string; perCustomerKb: number } {
  const per = (bytes: number): string => Math.round(bytes / Math.max(1, customers)).toString();
  let total = 0;
  const parts: string[] = [];
  for (const { name } of projections) {
    const bytes = readModels.db
      .prepare(`SELECT coalesce(sum(length(state)), 0) FROM "rm_${name}"`)
      .pluck(true)
      .get() as number;
    total += bytes;
    if (bytes / Math.max(1, customers) >= 1) parts.push(`${name} ${per(bytes)}`);
  }
  return {
    line:
      `stored state: ${(total / 2 ** 20).toFixed(1)} MB, ${per(total)} bytes per customer ` +
      `(${parts.join(', ')})`,
    perCustomerKb: total / Math.max(1, customers) / 1024,
  };
}

/** Pages the read models take in the file: their tables, key indexes and column indexes. */
function readModelPages(
  readModels: SqliteReadModelStore,
  projections: readonly AnyProjection[],
): string {
  const { db } = readModels;
  const tables = projections.map((p) => `rm_${p.name}`);
  const btrees = db
    .prepare(
      `SELECT name, type FROM sqlite_master
       WHERE tbl_name IN (${tables.map(() => '?').join(', ')}) AND type IN ('table', 'index')`,
    )
    .all(...tables) as { name: string; type: string }[];
  const pages = db.prepare('SELECT sum(pgsize) FROM dbstat WHERE name = ? AND aggregate = TRUE');
  const bytes = { tables: 0, keys: 0, columns: 0 };
  let columnIndexes = 0;
  for (const { name, type } of btrees) {
    const size = (pages.pluck(true).get(name) as number | null) ?? 0;
    if (type === 'table') bytes.tables += size;
    else if (!name.startsWith('rmix_')) bytes.keys += size;
    else {
      bytes.columns += size;
      columnIndexes++;
    }
  }
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(1)} MB`;
  return (
    `read-model pages: tables ${mb(bytes.tables)}, key indexes ${mb(bytes.keys)}, ` +
    `column indexes ${mb(bytes.columns)} (${columnIndexes})`
  );
}

/** Peak RSS the rebuild added, per customer, in KB (workers' heaps included: they share the RSS). */
function perCustomer(m: Measured, customers: number): number {
  return ((m.peakRssMb - m.rssBeforeMb) * 1024) / Math.max(1, customers);
}
