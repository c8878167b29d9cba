import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AnyProjection } from '@aftercare/projections';
import { type CustomerGroupsPlan, foldCustomerGroups } from './customer-order.fold';
import {
  PostingSink,
  type ToWorkerMessage,
  type WorkerMessage,
  type WorkerPlan,
} from './parallel.rebuild-source';
import { RebuildFailedError } from './rebuild';

/** Entry point of a rebuild worker thread: folds its share of the customer groups and posts the states. */
async function main(plan: WorkerPlan): Promise<void> {
  // require, not import(): the module path has no extension, as CommonJS resolves it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(plan.projectionsModule) as { projections: readonly AnyProjection[] };
  const byName = new Map(module.projections.map((p) => [p.name, p]));
  const projections = plan.projections.map((name) => {
    const projection = byName.get(name);
    if (!projection) throw new Error(`Projection ${name} is not in ${plan.projectionsModule}`);
    return projection;
  });
  const post = (message: WorkerMessage): void => parentPort!.postMessage(message);
  const db = new Database(plan.path, { readonly: true });
  try {
    const sink = new PostingSink(projections, post);
    const groups = await new Promise<CustomerGroupsPlan>((resolve) => {
      parentPort!.on('message', (message: ToWorkerMessage) => {
        if (message.kind === 'plan') resolve(message.plan);
        else sink.taken();
      });
    });
    const { globalPositions } = await foldCustomerGroups(
      db,
      plan.head,
      projections,
      sink,
      (count) => post({ kind: 'progress', events: count }),
      plan.share,
      groups,
    );
    sink.finish();
    post({ kind: 'done', globalPositions });
    parentPort!.removeAllListeners('message');
  } catch (error) {
    if (error instanceof RebuildFailedError) {
      post({
        kind: 'failed',
        projection: error.projection,
        eventId: error.eventId,
        position: String(error.position),
        message: error.cause instanceof Error ? error.cause.message : String(error.cause),
      });
    } else {
      throw error;
    }
  } finally {
    db.close();
  }
}

// A failure ends the worker: the parent gets it as an 'error' event.
main(workerData as WorkerPlan).catch((error: unknown) => {
  process.nextTick(() => {
    throw error;
  });
});
