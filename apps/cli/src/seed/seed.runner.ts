import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AppendResult, EventStore } from '@aftercare/event-store';
import { SqliteEventStore, WrongExpectedVersionError } from '@aftercare/event-store';
import { generateWorld, resolveWorldOptions, worldHeader } from './world.generator';
import type { CommandRefusal, WorldBatch, WorldOptions } from './world.model';

export type SeedProgress = {
  customers: number;
  totalCustomers: number;
  events: number;
  elapsedMs: number;
};

export type SeedSummary = {
  customers: number;
  events: number;
  streams: number;
  warrantyClaims: number;
  /** Customers who stopped buying before the end of the period (from the truth). */
  stoppedBuying: number;
  /** Commands the domain refused; the simulation skips them (a bug if ever non-zero). */
  refusals: CommandRefusal[];
  elapsedMs: number;
  eventsPerSecond: number;
  truthPath: string | undefined;
};

export type SeedRun = {
  /** NDJSON ground truth: a header line, then one line per customer. Never in the store. */
  truthPath?: string;
  /** Called every few hundred customers and once at the end. */
  onProgress?: (progress: SeedProgress) => void;
  /** Clock for the rate only; the world itself never reads the wall clock. */
  now?: () => number;
};

const TRUTH_FLUSH_LINES = 2000;
const PROGRESS_EVERY = 250;
/** Appends are grouped until about this many events, then written together (see `appender`). */
const GROUP_EVENTS = 5000;

/** Simulates a world and appends it to `store`, writing the ground truth beside it. */
export async function seedStore(
  store: EventStore,
  options: Partial<WorldOptions>,
  run: SeedRun = {},
): Promise<SeedSummary> {
  const resolved = resolveWorldOptions(options);
  const now = run.now ?? (() => performance.now());
  const truth = run.truthPath ? new TruthWriter(run.truthPath) : undefined;
  truth?.write(worldHeader(resolved));
  const started = now();
  const summary: SeedSummary = {
    customers: 0,
    events: 0,
    streams: 0,
    warrantyClaims: 0,
    stoppedBuying: 0,
    refusals: [],
    elapsedMs: 0,
    eventsPerSecond: 0,
    truthPath: run.truthPath,
  };
  const report = (): void =>
    run.onProgress?.({
      customers: summary.customers,
      totalCustomers: resolved.customers,
      events: summary.events,
      elapsedMs: now() - started,
    });

  const append = appender(store);
  let group: WorldBatch[] = [];
  let groupEvents = 0;
  const flush = async (): Promise<void> => {
    await append(group);
    for (const batch of group) {
      summary.events += batch.events.length;
      if (batch.expectedRevision === 'no_stream') summary.streams++;
      if (batch.refusals) summary.refusals.push(...batch.refusals);
      if (batch.truth) {
        const t = batch.truth;
        summary.customers++;
        summary.warrantyClaims += t.warrantyClaims;
        if (t.stoppedAt !== null) summary.stoppedBuying++;
        truth?.write({ kind: 'customer', ...t });
        if (summary.customers % PROGRESS_EVERY === 0) report();
      }
    }
    group = [];
    groupEvents = 0;
  };
  try {
    for (const batch of generateWorld(resolved)) {
      group.push(batch);
      groupEvents += batch.events.length;
      // Groups end with a customer, so a failed run leaves whole customers behind.
      if (groupEvents >= GROUP_EVENTS && batch.truth) await flush();
    }
    await flush();
  } finally {
    truth?.close();
  }
  report();
  summary.elapsedMs = now() - started;
  summary.eventsPerSecond = Math.round(summary.events / Math.max(summary.elapsedMs / 1000, 1e-3));
  return summary;
}

/**
 * Appends a group of batches, each through the store's own `appendToStream` (its checks, its
 * idempotency). On the embedded store the group runs inside one SQLite transaction on the store's
 * connection, each append nested in it as a savepoint: one commit per group instead of one per
 * stream, which is most of the cost of a bulk load. A failed append rolls back its own savepoint
 * and stops the run.
 */
function appender(store: EventStore): (batches: readonly WorldBatch[]) => Promise<void> {
  const appendOne = (batch: WorldBatch): Promise<AppendResult> =>
    store
      .appendToStream(batch.streamId, batch.events, { expectedRevision: batch.expectedRevision })
      .catch((error: unknown) => {
        if (error instanceof WrongExpectedVersionError) {
          throw new Error(
            `The store already holds ${batch.streamId} with other events: seed into an empty ` +
              `store (a re-run with the same options appends nothing). ${error.message}`,
          );
        }
        throw error;
      });
  if (store instanceof SqliteEventStore) {
    const inOneTransaction = store.db.transaction((batches: readonly WorldBatch[]) =>
      batches.map(appendOne),
    );
    return async (batches) => {
      await Promise.all(inOneTransaction.immediate(batches));
    };
  }
  return async (batches) => {
    for (const batch of batches) await appendOne(batch);
  };
}

/** Buffered synchronous NDJSON writer: simple, and cheap next to the store's own writes. */
class TruthWriter {
  private readonly fd: number;
  private lines: string[] = [];

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true });
    this.fd = openSync(path, 'w');
  }

  write(record: object): void {
    this.lines.push(JSON.stringify(record));
    if (this.lines.length >= TRUTH_FLUSH_LINES) this.flush();
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.lines.length === 0) return;
    writeSync(this.fd, this.lines.join('\n') + '\n');
    this.lines = [];
  }
}
