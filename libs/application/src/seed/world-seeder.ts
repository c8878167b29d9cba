import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  canAppendInBulk,
  deserializeAppend,
  type EventStore,
  type SerializedAppend,
  WrongExpectedVersionError,
} from '@aftercare/event-store';
import {
  type CommandRefusal,
  resolveWorldOptions,
  type WorldOptions,
  worldHeader,
} from '@aftercare/simulation';
import { AppendWindow } from './append-window';
import type { SeedChunk } from './seed-chunk';
import { type SeedThreadOptions, worldChunks } from './seed-threads';

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
  /**
   * Of elapsedMs, the time this thread waited for the next chunk of the simulation: near 0 when
   * storing is the slower side of the pipeline, most of the run when simulating is.
   */
  waitedForSimulationMs: number;
  eventsPerSecond: number;
  truthPath: string | undefined;
};

export type SeedRun = SeedThreadOptions & {
  /** NDJSON ground truth: a header line, then one line per customer. Never in the store. */
  truthPath?: string;
  /** Called every few hundred customers and once at the end. */
  onProgress?: (progress: SeedProgress) => void;
  /** Clock for the rate only; the world itself never reads the wall clock. */
  now?: () => number;
};

const TRUTH_FLUSH_LINES = 2000;

/**
 * Simulates a world (libs/simulation) and appends it to `store` in the order it was generated,
 * writing the ground truth beside it. Worker threads simulate and serialise chunks of customers
 * while this thread stores the earlier ones (seed-threads.ts). A store that loads in bulk (the
 * embedded one) takes each chunk in one transaction, with each append's checks and idempotency;
 * others take the appends through the port, a window of them in flight (AppendWindow). A failed
 * run leaves whole appends behind; re-running completes it.
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
    waitedForSimulationMs: 0,
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

  const window = canAppendInBulk(store) ? undefined : new AppendWindow();
  try {
    let waitingSince = now();
    for await (const chunk of worldChunks(resolved, run)) {
      summary.waitedForSimulationMs += now() - waitingSince;
      if (window) {
        for (const append of chunk.appends) {
          await window.add(append.streamId, () => explained(appendOne(store, append)));
        }
      } else if (canAppendInBulk(store)) {
        await explained(store.appendSerialized(chunk.appends));
      }
      count(summary, chunk);
      for (const line of chunk.truthLines) truth?.writeLine(line);
      report();
      waitingSince = now();
    }
    await window?.drain();
  } finally {
    await window?.settle();
    truth?.close();
  }
  report();
  summary.elapsedMs = now() - started;
  summary.eventsPerSecond = Math.round(summary.events / Math.max(summary.elapsedMs / 1000, 1e-3));
  return summary;
}

function count(summary: SeedSummary, chunk: SeedChunk): void {
  summary.customers += chunk.customers;
  summary.events += chunk.events;
  summary.streams += chunk.streams;
  summary.warrantyClaims += chunk.warrantyClaims;
  summary.stoppedBuying += chunk.stoppedBuying;
  summary.refusals.push(...chunk.refusals);
}

async function appendOne(store: EventStore, append: SerializedAppend): Promise<void> {
  await store.appendToStream(append.streamId, deserializeAppend(append), {
    expectedRevision: append.expectedRevision,
  });
}

/**
 * The store's answer, with what to do about it: a re-run with the same options appends nothing,
 * and a store holding other events under the same streams is refused.
 */
async function explained(appending: Promise<void>): Promise<void> {
  try {
    await appending;
  } catch (error) {
    if (error instanceof WrongExpectedVersionError) {
      throw new Error(
        `The store already holds ${error.streamId} with other events: seed into an empty ` +
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
    this.writeLine(JSON.stringify(record));
  }

  writeLine(line: string): void {
    this.lines.push(line);
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
