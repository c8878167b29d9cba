import { existsSync } from 'node:fs';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import { describeBound, withGrowingHeap } from './growing-heap';
import { DEFAULT_REGISTRY, type ParallelRebuildOptions } from './parallel.rebuild-source';
import {
  RebuildFailedError,
  RebuildInProgressError,
  type RebuildProgress,
  type RebuildResult,
} from './rebuild';

/** One rebuild the runtime hands off its own thread (see `ProjectionEngineOptions.offlineRebuild`). */
export interface OfflineRebuildRequest {
  /** Rebuilt in one pass, each from the start, then swapped in with the position reached. */
  projections: readonly AnyProjection[];
  /** The lease owner id: the rebuild holds `<name>#rebuild` leases as this owner. */
  owner: string;
  leaseTtlMs: number;
  onProgress: (progress: RebuildProgress) => void;
  /** Aborting stops the rebuild: nothing is swapped and the live tables keep serving. */
  signal: AbortSignal;
}

/**
 * The offline rebuild path, off the runtime's event loop: a projection far behind the store's
 * head is rebuilt this way (many times faster than catching up event by event), then runs live
 * from the position the rebuild reached.
 */
export interface OfflineRebuild {
  /** Positions behind the head past which a projection is rebuilt rather than caught up live. */
  readonly minLag: bigint;
  /** Whether these projections can be rebuilt this way (the worker loads them by name). */
  supports(projections: readonly AnyProjection[]): boolean;
  /** Rejects like `rebuildProjections` (RebuildFailedError, RebuildInProgressError, lease lost). */
  run(request: OfflineRebuildRequest): Promise<RebuildResult>;
}

export interface WorkerRebuildOptions {
  /** The SQLite event store's file. */
  eventStorePath: string;
  /** The SQLite read models' file (the event store's own in the embedded deployment). */
  readModelPath: string;
  /** See `OfflineRebuild.minLag`. */
  minLag: bigint;
  /**
   * Module the worker loads projections from, by name (it exports `projections`): only the very
   * objects it exports can be rebuilt this way. Default: the projections library's registry.
   */
  projectionsModule?: string;
  /** How the worker folds (its own fold workers or not); see `ParallelRebuildOptions`. */
  fold?: Pick<ParallelRebuildOptions, 'workers' | 'minEventsForWorkers'>;
  /**
   * Node flags for the worker (and its fold workers). Default: none when compiled; the tsx loader
   * when running from the TypeScript sources (tests), which workers cannot load by themselves.
   */
  workerExecArgv?: string[];
  /** How often the worker reports progress. Default 1 s. */
  progressIntervalMs?: number;
  /**
   * Old generation the rebuild worker's heap starts with, in MB (default 64, whether it folds on
   * its own thread or hands the fold to fold workers and only writes). A worker that runs
   * out of it is stopped and the rebuild starts over with twice as much, up to 1,024 MB, then with
   * V8's own limit.
   */
  oldGenerationMb?: number;
  /** Told when the rebuild starts over because its worker ran out of memory. */
  warn?: (message: string) => void;
}

/**
 * What a rebuild holds for long is small: the plan of its customer groups, the states of the group
 * being folded, a page of rows to write. Unbounded, V8 lets a heap fill with garbage long before
 * it collects it: on the 72,000-customer seeded store, one thread folding and writing on an
 * unbounded worker peaked at 270 MB of RSS; the same worker with these bounds at 170-175 MB, in the
 * same time (153-154 MB since the rebuild's page cache is 8 MB, not 32). Writing what two fold
 * workers fold, the same bound held it to 231-233 MB, against 273-278 MB on an unbounded thread.
 */
const REBUILD_OLD_GENERATION_MB = 64;
/** States die young (with their group): a small young generation is enough. */
const REBUILD_YOUNG_GENERATION_MB = 16;

/** What the rebuild worker is asked to do. */
export interface RebuildWorkerPlan {
  eventStorePath: string;
  readModelPath: string;
  projectionsModule: string;
  projections: string[];
  owner: string;
  leaseTtlMs: number;
  progressIntervalMs: number;
  fold: ParallelRebuildOptions;
}

/** Positions travel as strings (structured clone keeps bigints, but the types say strings). */
export type RebuildWorkerMessage =
  | { kind: 'progress'; progress: RebuildProgress }
  | { kind: 'done'; result: RebuildResult }
  | {
      kind: 'failed';
      name: string;
      message: string;
      projection?: string;
      eventId?: string;
      position?: GlobalPosition;
    };

/**
 * The offline rebuild on a worker thread over the embedded store's files: the worker opens its
 * own connections and runs `rebuildProjections` with `sqliteRebuildSource` (the path `projections
 * rebuild` and `bench replay` take), so the runtime's thread only receives progress. SQLite's
 * write lock orders the worker's writes with the runtime's; the live tables serve until the swap.
 */
export function workerRebuild(options: WorkerRebuildOptions): OfflineRebuild {
  const script = join(__dirname, `offline-rebuild.worker${extname(__filename)}`);
  const projectionsModule = options.projectionsModule ?? DEFAULT_REGISTRY;
  const execArgv =
    options.workerExecArgv ?? (extname(__filename) === '.ts' ? ['--require', 'tsx/cjs'] : []);
  let registry: readonly AnyProjection[] | undefined;
  const runnable = existsSync(script);
  return {
    minLag: options.minLag,
    supports(projections) {
      if (!runnable) return false;
      // require, not import(): synchronous, and the registry is loaded already in this process.
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      registry ??= (require(projectionsModule) as { projections?: readonly AnyProjection[] })
        .projections;
      return projections.every((p) => registry?.some((known) => known === p));
    },
    run(request) {
      const plan: RebuildWorkerPlan = {
        eventStorePath: options.eventStorePath,
        readModelPath: options.readModelPath,
        projectionsModule,
        projections: request.projections.map((p) => p.name),
        owner: request.owner,
        leaseTtlMs: request.leaseTtlMs,
        progressIntervalMs: options.progressIntervalMs ?? 1_000,
        fold: {
          ...options.fold,
          projectionsModule,
          workerExecArgv: execArgv,
        },
      };
      // A worker that ran out leaves its leases (this owner's, taken again) and a half-written
      // table (dropped when the next attempt begins), as a crash would.
      return withGrowingHeap(
        options.oldGenerationMb ?? REBUILD_OLD_GENERATION_MB,
        (oldGenerationMb) => runWorker(script, plan, execArgv, request, oldGenerationMb),
        (ranOutOf, next) =>
          options.warn?.(
            `The rebuild worker ran out of its ${ranOutOf} MB old generation: the rebuild ` +
              `starts over with ${describeBound(next)}`,
          ),
      );
    },
  };
}

function runWorker(
  script: string,
  plan: RebuildWorkerPlan,
  execArgv: string[],
  request: OfflineRebuildRequest,
  oldGenerationMb: number | undefined,
): Promise<RebuildResult> {
  return new Promise<RebuildResult>((resolve, reject) => {
    if (request.signal.aborted) {
      reject(new Error('The rebuild was stopped before it started'));
      return;
    }
    const worker = new Worker(script, {
      workerData: plan,
      execArgv,
      resourceLimits: {
        maxYoungGenerationSizeMb: REBUILD_YOUNG_GENERATION_MB,
        ...(oldGenerationMb === undefined ? {} : { maxOldGenerationSizeMb: oldGenerationMb }),
      },
    });
    let settled = false;
    const settle = (outcome: () => void): void => {
      if (settled) return;
      settled = true;
      request.signal.removeEventListener('abort', stop);
      // Its work is done either way; a loader's helper process (tsx) would keep it alive.
      void worker.terminate();
      outcome();
    };
    // Asked to stop: the worker abandons the rebuild tables and releases its leases itself at its
    // next progress report; a worker stuck in one long statement is ended after a grace period
    // (its leases then expire, and the next rebuild drops the tables it left).
    const stop = (): void => {
      worker.postMessage({ kind: 'stop' });
      setTimeout(() => void worker.terminate(), 5_000).unref();
    };
    request.signal.addEventListener('abort', stop);
    worker.on('message', (message: RebuildWorkerMessage) => {
      switch (message.kind) {
        case 'progress':
          request.onProgress(message.progress);
          break;
        case 'done':
          settle(() => resolve(message.result));
          break;
        case 'failed':
          settle(() => reject(failure(message)));
          break;
      }
    });
    worker.on('error', (error) => settle(() => reject(error)));
    worker.on('exit', (code) => {
      settle(() => reject(new Error(`The rebuild worker exited with code ${code}`)));
    });
  });
}

/** The worker's error as the caller expects it from `rebuildProjections`. */
function failure(message: Extract<RebuildWorkerMessage, { kind: 'failed' }>): Error {
  if (message.name === 'RebuildFailedError') {
    return new RebuildFailedError(
      message.projection!,
      message.eventId!,
      message.position!,
      new Error(message.message),
    );
  }
  if (message.name === 'RebuildInProgressError') {
    return new RebuildInProgressError(message.projection!);
  }
  return new Error(message.message);
}
