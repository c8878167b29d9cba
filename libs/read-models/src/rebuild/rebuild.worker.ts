import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';
import type { AnyProjection } from '@aftercare/projections';
import { foldPartition, type PartitionPlan } from './parallel.rebuild-source';

/** Entry point of a rebuild worker thread: folds one partition (see `foldPartition`). */
function main(plan: PartitionPlan): void {
  // require, not import(): the module path has no extension, as CommonJS resolves it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const module = require(plan.projectionsModule) as { projections: readonly AnyProjection[] };
  const byName = new Map(module.projections.map((p) => [p.name, p]));
  const projections = plan.projections.map(({ name }) => {
    const projection = byName.get(name);
    if (!projection) throw new Error(`Projection ${name} is not in ${plan.projectionsModule}`);
    return projection;
  });
  const db = new Database(plan.path, { readonly: true });
  try {
    foldPartition(db, plan, projections, (message) => parentPort!.postMessage(message));
  } finally {
    db.close();
  }
}

// A failure ends the worker: the parent gets it as an 'error' event.
main(workerData as PartitionPlan);
