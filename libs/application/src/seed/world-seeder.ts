import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { type EventStore, WrongExpectedVersionError } from '@aftercare/event-store';
import {
  type CommandRefusal,
  generateWorld,
  resolveWorldOptions,
  type WorldBatch,
  type WorldOptions,
  worldHeader,
} from '@aftercare/simulation';
import { AppendWindow } from './append-window';

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

/**
 * Simulates a world (libs/simulation) and appends it to `store` stream by stream, a window of
 * appends in flight (see AppendWindow), writing the ground truth beside it. A failed run leaves
 * whole appends behind; re-running completes it.
 */
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

  const window = new AppendWindow();
  try {
    for (const batch of generateWorld(resolved)) {
      await window.add(batch.streamId, () => append(store, batch));
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
    await window.drain();
  } finally {
    await window.settle();
    truth?.close();
  }
  report();
  summary.elapsedMs = now() - started;
  summary.eventsPerSecond = Math.round(summary.events / Math.max(summary.elapsedMs / 1000, 1e-3));
  return summary;
}

/**
 * One batch through the store port, with its checks and its idempotency: a re-run with the same
 * options appends nothing, and a store holding other events under the same streams is refused.
 */
async function append(store: EventStore, batch: WorldBatch): Promise<void> {
  try {
    await store.appendToStream(batch.streamId, batch.events, {
      expectedRevision: batch.expectedRevision,
    });
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) {
      throw new Error(
        `The store already holds ${batch.streamId} with other events: seed into an empty ` +
          `store (a re-run with the same options appends nothing). ${error.message}`,
      );
    }
    throw error;
  }
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
