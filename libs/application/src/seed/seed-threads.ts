import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { prepareWorld, type ResolvedWorldOptions } from '@aftercare/simulation';
import { chunkCount, seedChunk, type SeedChunk } from './seed-chunk';

/** Chunks a worker may simulate ahead of what the main thread has stored (memory stays flat). */
const CHUNKS_AHEAD = 4;

export type SeedWorkerPlan = {
  options: ResolvedWorldOptions;
  index: number;
  of: number;
  ahead: number;
};

export type SeedWorkerMessage = { kind: 'chunk'; chunk: SeedChunk };

export type SeedThreadOptions = {
  /** Worker threads simulating the world: 'auto' (the default) uses one per core when there are two or more; 0 simulates on the calling thread. */
  workers?: number | 'auto';
  /** execArgv for the workers (tests running TypeScript sources pass a loader). */
  workerExecArgv?: string[];
};

/**
 * The world's chunks in order. Customers are independent (each lives from its own seed), so
 * workers simulate and serialise chunks side by side while the caller stores the earlier ones;
 * the chunks come out in the same order with the same content whatever the number of workers.
 */
export function worldChunks(
  options: ResolvedWorldOptions,
  threads: SeedThreadOptions = {},
): AsyncIterable<SeedChunk> {
  const count = chunkCount(options);
  const workers = Math.min(count, workerCount(threads));
  return workers > 0
    ? workerChunks(options, count, workers, threads.workerExecArgv)
    : inThread(options, count);
}

function workerCount({ workers = 'auto', workerExecArgv }: SeedThreadOptions): number {
  // The worker runs from dist/ (compiled), or from sources with a loader given.
  const runnable =
    existsSync(workerScript()) && (extname(__filename) === '.js' || !!workerExecArgv);
  if (!runnable) return 0;
  if (workers === 'auto') return availableParallelism() >= 2 ? availableParallelism() : 0;
  return Math.max(0, Math.floor(workers));
}

function workerScript(): string {
  return join(__dirname, `seed.worker${extname(__filename)}`);
}

async function* inThread(options: ResolvedWorldOptions, count: number): AsyncIterable<SeedChunk> {
  const world = prepareWorld(options);
  for (let index = 0; index < count; index++) yield seedChunk(world, options, index);
}

async function* workerChunks(
  options: ResolvedWorldOptions,
  count: number,
  of: number,
  execArgv: string[] | undefined,
): AsyncIterable<SeedChunk> {
  const ready = new Map<number, SeedChunk>();
  const exited = new Set<number>();
  let failure: { error: unknown } | undefined;
  let wake: (() => void) | undefined;
  const threads = Array.from({ length: of }, (_, index) => {
    const plan: SeedWorkerPlan = { options, index, of, ahead: CHUNKS_AHEAD };
    const worker = new Worker(workerScript(), { workerData: plan, execArgv });
    worker.on('message', (message: SeedWorkerMessage) => {
      ready.set(message.chunk.index, message.chunk);
      wake?.();
    });
    worker.on('error', (error) => {
      failure ??= { error };
      wake?.();
    });
    worker.on('exit', (code) => {
      if (code !== 0) failure ??= { error: new Error(`A seed worker exited with code ${code}`) };
      exited.add(index);
      wake?.();
    });
    return worker;
  });
  try {
    for (let next = 0; next < count; next++) {
      let chunk = ready.get(next);
      while (!chunk) {
        if (failure) throw failure.error;
        if (exited.has(next % of)) throw new Error(`A seed worker ended before chunk ${next}`);
        await new Promise<void>((resolve) => (wake = resolve));
        wake = undefined;
        chunk = ready.get(next);
      }
      ready.delete(next);
      yield chunk;
      threads[next % of].postMessage('taken');
    }
  } finally {
    await Promise.all(threads.map((worker) => worker.terminate()));
  }
}
