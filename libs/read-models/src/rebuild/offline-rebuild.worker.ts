import { parentPort, workerData } from 'node:worker_threads';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import type { AnyProjection } from '@aftercare/projections';
import { SqliteReadModelStore } from '../sqlite/sqlite.read-model-store';
import type { RebuildWorkerMessage, RebuildWorkerPlan } from './offline-rebuild';
import { RebuildFailedError, RebuildInProgressError, rebuildProjections } from './rebuild';
import { sqliteRebuildSource } from './sqlite.rebuild-source';

/** Entry point of the offline rebuild's worker thread (see `workerRebuild`). */
async function main(plan: RebuildWorkerPlan): Promise<void> {
  const post = (message: RebuildWorkerMessage): void => parentPort!.postMessage(message);
  let stopped = false;
  parentPort!.on('message', (message: { kind: string }) => {
    if (message.kind === 'stop') stopped = true;
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(plan.projectionsModule) as { projections: readonly AnyProjection[] };
  const byName = new Map(module.projections.map((p) => [p.name, p]));
  const projections = plan.projections.map((name) => {
    const projection = byName.get(name);
    if (!projection) throw new Error(`Projection ${name} is not in ${plan.projectionsModule}`);
    return projection;
  });
  const store = SqliteEventStore.open({ path: plan.eventStorePath });
  const readModels = SqliteReadModelStore.open({ path: plan.readModelPath, besideServer: true });
  try {
    const result = await rebuildProjections({
      store,
      readModels,
      projections,
      owner: plan.owner,
      leaseTtlMs: plan.leaseTtlMs,
      progressIntervalMs: plan.progressIntervalMs,
      // Short write transactions: the runtime's own writes wait on SQLite's lock meanwhile.
      writeChunkSize: 1_000,
      source: sqliteRebuildSource(store.db, plan.fold),
      onProgress: (progress) => {
        // Thrown inside the fold: the rebuild abandons its tables and releases its leases.
        if (stopped) throw new Error('The rebuild was stopped');
        post({ kind: 'progress', progress });
      },
      beforeSwap: () => {
        if (stopped) throw new Error('The rebuild was stopped');
      },
    });
    post({ kind: 'done', result });
  } catch (error) {
    post({
      kind: 'failed',
      name: error instanceof Error ? error.name : 'Error',
      message:
        error instanceof RebuildFailedError
          ? error.cause instanceof Error
            ? error.cause.message
            : String(error.cause)
          : error instanceof Error
            ? error.message
            : String(error),
      ...(error instanceof RebuildFailedError
        ? { projection: error.projection, eventId: error.eventId, position: error.position }
        : error instanceof RebuildInProgressError
          ? { projection: error.projection }
          : {}),
    });
  } finally {
    await readModels.close();
    await store.close();
    parentPort!.removeAllListeners('message');
  }
}

// A failure to start ends the worker: the parent gets it as an 'error' event.
main(workerData as RebuildWorkerPlan).catch((error: unknown) => {
  process.nextTick(() => {
    throw error;
  });
});
