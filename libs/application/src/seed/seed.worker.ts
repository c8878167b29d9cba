import { parentPort, workerData } from 'node:worker_threads';
import { prepareWorld } from '@aftercare/simulation';
import { chunkCount, seedChunk } from './seed-chunk';
import type { SeedWorkerMessage, SeedWorkerPlan } from './seed-threads';

/**
 * Entry point of a seed worker thread: simulates its share of the chunks (every `of`-th from
 * `index`) and posts each, staying at most `ahead` chunks ahead of what the main thread took.
 */
async function main(plan: SeedWorkerPlan): Promise<void> {
  const port = parentPort!;
  const world = prepareWorld(plan.options);
  let credits = plan.ahead;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credits++;
    wake?.();
  });
  for (let index = plan.index; index < chunkCount(plan.options); index += plan.of) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits--;
    port.postMessage({
      kind: 'chunk',
      chunk: seedChunk(world, plan.options, index),
    } satisfies SeedWorkerMessage);
  }
  port.removeAllListeners('message');
}

// A failure ends the worker: the parent gets it as an 'error' event.
main(workerData as SeedWorkerPlan).catch((error: unknown) => {
  process.nextTick(() => {
    throw error;
  });
});
