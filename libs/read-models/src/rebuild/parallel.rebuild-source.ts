import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import type { ColumnValue } from '../read-model-store';
import { type StateEncoder, stateEncoder } from '../state-encoding';
import {
  customerGrouping,
  type CustomerGrouping,
  type CustomerGroupsPlan,
  type CustomerShare,
  foldAtPositions,
  planCustomerGroups,
} from './customer-order.fold';
import { describeBound, withGrowingHeap } from './growing-heap';
import { RebuildFailedError, unionFilter } from './rebuild';
import type { FoldedState, RebuildSink } from './rebuild-sink';
import { countRows, filterCondition } from './sqlite.event-rows';

export interface ParallelRebuildOptions {
  /**
   * Worker threads sharing the customers out: 1 folds on the calling thread; 'auto' (default)
   * uses 2 when the machine has 2 cores or more, the code runs compiled (workers run JavaScript)
   * and the store holds at least `minEventsForWorkers`.
   */
  workers?: number | 'auto';
  /** Fewest events for which 'auto' starts workers (starting them costs ~100 ms). Default 50,000. */
  minEventsForWorkers?: number;
  /**
   * Module the workers load projections from, by name: it exports `projections`, an array. Only
   * projections that are those very objects (as this process loaded the module) are folded in
   * workers; any other projection makes the rebuild fold on the calling thread. Default: the
   * library's registry.
   */
  projectionsModule?: string;
  /** Node flags for the workers, e.g. a TypeScript loader when running from sources (tests). */
  workerExecArgv?: string[];
  /**
   * Old generation each worker starts with, in MB (default 128; see WORKER_OLD_GENERATION_MB). A
   * worker that runs out of it is stopped and the fold starts over with twice as much, up to
   * 1,024 MB, then with V8's own limit.
   */
  workerOldGenerationMb?: number;
  /** Told when the fold starts over because a worker ran out of memory. */
  warn?: (message: string) => void;
}

/**
 * What a worker folds: its share of the customer groups (see `foldCustomerGroups`). The groups
 * themselves come in the first message to the worker, once this thread has planned them
 * (while the workers start).
 */
export interface WorkerPlan {
  path: string;
  head: number;
  share: CustomerShare;
  projectionsModule: string;
  projections: string[];
}

/** Final states of one projection, serialised in the worker (writing them needs no more work). */
export interface StateBatch {
  projection: number;
  keys: string[];
  positions: number[];
  json: string[];
  columns: ColumnValue[][];
}

/** Messages to a worker: the groups to fold, then each batch of states written. */
export type ToWorkerMessage = { kind: 'plan'; plan: CustomerGroupsPlan } | { kind: 'taken' };

export type WorkerMessage =
  | { kind: 'progress'; events: number }
  | { kind: 'states'; batches: StateBatch[] }
  | { kind: 'done'; globalPositions: number[] }
  | { kind: 'failed'; projection: string; eventId: string; position: string; message: string };

// A customer's states die with the customer: a small young generation is enough.
const WORKER_YOUNG_GENERATION_MB = 16;
/**
 * A worker's old generation to start with. What a worker holds for long is small (the plan, the
 * states of the group it folds; a heap snapshot mid-rebuild of the 72k-customer store: 12 MB), but
 * V8 sizes a heap's first collection thresholds from its limit, and by default lets a worker's old
 * generation fill with a few hundred MB of garbage first: on that store, two workers peaked at 436
 * MB of RSS by default and at 359 MB with 128 MB each, for the same CPU (18.9 and 18.1 s).
 */
const WORKER_OLD_GENERATION_MB = 128;
/**
 * JSON a worker gathers before posting it to the writing thread. Small batches die young on both
 * sides: on the 72,000-customer store two workers peaked at 299-303 MB of RSS with 256 KB batches
 * and at 334-337 MB with 2 MB ones, in the same time (64 and 128 KB: 296-301 MB).
 */
const POST_BYTES = 256 * 1024;
/** Batches a worker posts before it waits for the writing thread to take them. */
const IN_FLIGHT = 2;
// The projections library's registry, beside this library in the source tree and in dist.
export const DEFAULT_REGISTRY = join(__dirname, '..', '..', '..', 'projections', 'src', 'registry');

/**
 * A worker's sink: serialises final states and posts them in batches to the writing thread, and
 * waits while that thread has not taken its earlier batches (memory stays bounded when the
 * writes are slower than the folds).
 */
export class PostingSink implements RebuildSink {
  private batches: StateBatch[];
  private bytes = 0;
  private inFlight = 0;
  private waiting: (() => void) | undefined;
  private readonly encoders: StateEncoder[];

  constructor(
    private readonly projections: readonly AnyProjection[],
    private readonly post: (message: WorkerMessage) => void,
  ) {
    this.batches = this.empty();
    this.encoders = projections.map(stateEncoder);
  }

  done(projection: number, key: string, folded: FoldedState): void {
    const { json, columns } = this.encoders[projection](key, folded.state);
    const batch = this.batches[projection];
    batch.keys.push(key);
    batch.positions.push(Number(folded.position));
    batch.json.push(json);
    batch.columns.push(columns);
    this.bytes += json.length;
  }

  async flush(): Promise<void> {
    if (this.bytes >= POST_BYTES) this.finish();
    while (this.inFlight > IN_FLIGHT) {
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  /** The writing thread took a batch. */
  taken(): void {
    this.inFlight--;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  /** Posts everything gathered. */
  finish(): void {
    const batches = this.batches.filter((b) => b.keys.length);
    if (batches.length) {
      this.inFlight++;
      this.post({ kind: 'states', batches });
    }
    this.batches = this.empty();
    this.bytes = 0;
  }

  async restart(): Promise<void> {
    throw new Error('A worker does not restart a rebuild');
  }

  async repeatedKeys(): Promise<boolean> {
    throw new Error('The writing thread checks the keys, not a worker');
  }

  private empty(): StateBatch[] {
    return this.projections.map((_, projection) => ({
      projection,
      keys: [],
      positions: [],
      json: [],
      columns: [],
    }));
  }
}

/**
 * Folds on worker threads when it can (see `ParallelRebuildOptions`): each worker folds its share
 * of the customer groups on its own connection and posts their states; this thread writes them,
 * then folds the projections without a customer scope over the events the workers found for
 * them. Returns the events read, or undefined when the caller should fold on its own thread
 * instead (workers unavailable or not worth it).
 */
export async function parallelSqliteFold(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
  sink: RebuildSink,
  onEvents: (count: number, position: GlobalPosition) => void,
  options: ParallelRebuildOptions,
): Promise<number | undefined> {
  const script = join(__dirname, `rebuild.worker${extname(__filename)}`);
  const runnable =
    !db.memory && existsSync(script) && (extname(__filename) === '.js' || !!options.workerExecArgv);
  const auto = options.workers === undefined || options.workers === 'auto';
  const workers = auto
    ? head >= (options.minEventsForWorkers ?? 50_000)
      ? Math.min(2, availableParallelism())
      : 1
    : Math.max(1, Math.floor(options.workers as number));
  const { grouped, global } = customerGrouping(projections);
  if (!runnable || workers < 2 || !grouped.length) return undefined;

  const projectionsModule = options.projectionsModule ?? DEFAULT_REGISTRY;
  const loaded = ((await import(projectionsModule)) as { projections?: readonly AnyProjection[] })
    .projections;
  if (!projections.every((p) => loaded?.some((known) => known === p))) return undefined;

  const total = countRows(db, filterCondition(unionFilter(projections)), head);
  // Progress counts each event once, and the plan is made once, whatever the attempts.
  const job: FoldJob = {
    db,
    head,
    projections,
    global,
    sink,
    onEvents,
    total,
    progress: { reported: 0 },
  };
  return withGrowingHeap(
    options.workerOldGenerationMb ?? WORKER_OLD_GENERATION_MB,
    (oldGenerationMb) =>
      foldOnWorkers(job, {
        script,
        workers,
        projectionsModule,
        execArgv: options.workerExecArgv,
        oldGenerationMb,
      }),
    async (ranOutOf, next) => {
      options.warn?.(
        `A rebuild worker ran out of its ${ranOutOf} MB old generation: the fold starts ` +
          `over with ${describeBound(next)}`,
      );
      await sink.restart();
    },
  );
}

interface FoldJob {
  db: Database.Database;
  head: number;
  projections: readonly AnyProjection[];
  /** The projections folded after the workers, in global order (see `customerGrouping`). */
  global: CustomerGrouping['global'];
  /** The customer groups, planned by the first attempt and kept for any that starts over. */
  plan?: CustomerGroupsPlan;
  sink: RebuildSink;
  onEvents: (count: number, position: GlobalPosition) => void;
  /** Rows the fold reads, and how many of them were reported as progress (by any attempt). */
  total: number;
  progress: { reported: number };
}

/** One attempt: the workers fold their shares, this thread writes their states, then the rest. */
async function foldOnWorkers(
  job: FoldJob,
  run: {
    script: string;
    workers: number;
    projectionsModule: string;
    execArgv: string[] | undefined;
    /** undefined: V8's own limit. */
    oldGenerationMb: number | undefined;
  },
): Promise<number> {
  const { db, head, projections, global, sink, onEvents, total, progress } = job;
  const { script, workers, projectionsModule } = run;
  const threads: Worker[] = [];
  const post = (worker: Worker, message: ToWorkerMessage): void => worker.postMessage(message);
  let writes = Promise.resolve();
  const globalPositions: number[][] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let done = 0;
      for (let index = 0; index < workers; index++) {
        const plan: WorkerPlan = {
          path: db.name,
          head,
          share: { index, of: workers },
          projectionsModule,
          projections: projections.map((p) => p.name),
        };
        const worker = new Worker(script, {
          workerData: plan,
          execArgv: run.execArgv,
          resourceLimits: {
            maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB,
            ...(run.oldGenerationMb === undefined
              ? {}
              : { maxOldGenerationSizeMb: run.oldGenerationMb }),
          },
        });
        threads.push(worker);
        worker.on('error', reject);
        worker.on('exit', (code) => {
          if (code !== 0) reject(new Error(`A rebuild worker exited with code ${code}`));
        });
        worker.on('message', (message: WorkerMessage) => {
          try {
            switch (message.kind) {
              case 'progress': {
                // Workers read some rows twice (other streams): progress stops at the total.
                const count = Math.min(message.events, total - progress.reported);
                progress.reported += count;
                if (count > 0) onEvents(count, BigInt(Math.min(head, progress.reported)));
                break;
              }
              case 'states':
                for (const batch of message.batches) {
                  for (let i = 0; i < batch.keys.length; i++) {
                    sink.done(batch.projection, batch.keys[i], {
                      state: undefined,
                      position: BigInt(batch.positions[i]),
                      encoded: { json: batch.json[i], columns: batch.columns[i] },
                    });
                  }
                }
                writes = writes
                  .then(() => sink.flush())
                  .then(() => post(worker, { kind: 'taken' }));
                writes.catch(reject);
                break;
              case 'done':
                globalPositions.push(message.globalPositions);
                if (++done === workers) resolve();
                break;
              case 'failed':
                reject(
                  new RebuildFailedError(
                    message.projection,
                    message.eventId,
                    BigInt(message.position),
                    new Error(message.message),
                  ),
                );
                break;
            }
          } catch (error) {
            reject(error);
          }
        });
      }
      // Planned once for all workers (and attempts), while they start.
      const plan = (job.plan ??= planCustomerGroups(db, head, projections));
      for (const worker of threads) post(worker, { kind: 'plan', plan });
    });
    await Promise.all(threads.map((t) => t.terminate()));
    await writes;
    await foldAtPositions(db, globalPositions.flat(), global, sink);
    return total;
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
    await writes.catch(() => undefined);
  }
}
