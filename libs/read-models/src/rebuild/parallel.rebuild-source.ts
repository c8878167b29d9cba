import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { extname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type Database from 'better-sqlite3';
import { CUSTOMER_STREAM_CATEGORY } from '@aftercare/domain';
import type { GlobalPosition } from '@aftercare/event-store';
import { customerIdOf, type AnyProjection, passesFilter } from '@aftercare/projections';
import type { ColumnValue } from '../read-model-store';
import { RebuildFailedError, unionFilter } from './rebuild';
import type { FoldedStates } from './rebuild-sink';
import { encodeStates } from '../state-encoding';
import {
  countRows,
  type EventRow,
  filterCondition,
  metadataReader,
  type RowCondition,
  RowEvent,
  rowPages,
} from './sqlite.event-rows';

export interface ParallelRebuildOptions {
  /**
   * Worker threads folding partitions of the projections: 1 folds on the calling thread; 'auto'
   * (default) uses 2 when the machine has 2 cores or more, the code runs compiled (workers run
   * JavaScript) and the store holds at least `minEventsForWorkers`.
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
}

/**
 * How the projections are shared out. A projection keyed by customer (`keyOf` is `customerIdOf`)
 * is partitioned: each worker folds the customers whose id hashes to it, so every key's events
 * stay in global order in one worker. Any other projection is folded whole by one worker.
 */
export interface PartitionPlan {
  path: string;
  head: number;
  workers: number;
  index: number;
  projectionsModule: string;
  projections: { name: string; owner: number | 'partitioned' }[];
}

/** A partition's folded states, serialised in the worker (writing them needs no more work). */
export interface PartitionResult {
  projection: number;
  keys: string[];
  positions: number[];
  json: string[];
  columns: ColumnValue[][];
}

export type PartitionMessage =
  | { kind: 'progress'; events: number; position: number }
  | { kind: 'done'; events: number; results: PartitionResult[] }
  | { kind: 'mismatch'; message: string }
  | { kind: 'failed'; projection: string; eventId: string; position: string; message: string };

const WORKER_YOUNG_GENERATION_MB = 64;
// The projections library's registry, beside this library in the source tree and in dist.
const DEFAULT_REGISTRY = join(__dirname, '..', '..', '..', 'projections', 'src', 'registry');
const CUSTOMER_PREFIX = `${CUSTOMER_STREAM_CATEGORY}-`;
const CUSTOMER_ID_FIELD = /"customerId":"([^"\\]*)"/;

/**
 * The customer a raw row is about, read without parsing: the id of a customer stream, else the
 * first `"customerId":"..."` of the data. Only a hint for choosing the worker: the worker that
 * parses the row checks it against the projection's key and the rebuild starts over on one
 * thread if they ever differ.
 */
export function partitionKeyOf(streamId: string, rawData: string): string | undefined {
  if (streamId.startsWith(CUSTOMER_PREFIX)) return streamId.slice(CUSTOMER_PREFIX.length);
  return CUSTOMER_ID_FIELD.exec(rawData)?.[1];
}

/** FNV-1a of the key, modulo the partitions; rows without a key go to partition 0. */
export function partitionOf(key: string | undefined, partitions: number): number {
  if (key === undefined) return 0;
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 0) % partitions;
}

/** Thrown in a worker when a row's partition hint differs from its key. */
class PartitionMismatch extends Error {}

/**
 * One worker's share of a rebuild: reads every row up to the head on its own connection, parses
 * only rows of its partition (or of the projections it folds whole), folds them, and returns the
 * states serialised. Runs in a worker thread (rebuild.worker.ts), and in-process in tests.
 */
export function foldPartition(
  db: Database.Database,
  plan: PartitionPlan,
  projections: readonly AnyProjection[],
  post: (message: PartitionMessage) => void,
): void {
  const active = plan.projections
    .map((p, i) => ({
      index: i,
      projection: projections[i],
      partitioned: p.owner === 'partitioned',
      states: new Map<string, { state: unknown; position: number }>(),
    }))
    .filter((p, i) => p.partitioned || plan.projections[i].owner === plan.index);
  const metadataOf = metadataReader(db);
  let events = 0;
  try {
    for (const rows of rowPages(db, partitionCondition(db, plan, active), plan.head)) {
      for (const row of rows) foldRow(row, active, plan, metadataOf);
      events += rows.length;
      post({ kind: 'progress', events, position: rows[rows.length - 1][0] });
    }
  } catch (error) {
    if (error instanceof PartitionMismatch) {
      post({ kind: 'mismatch', message: error.message });
      return;
    }
    if (error instanceof RebuildFailedError) {
      post({
        kind: 'failed',
        projection: error.projection,
        eventId: error.eventId,
        position: String(error.position),
        message: error.cause instanceof Error ? error.cause.message : String(error.cause),
      });
      return;
    }
    throw error;
  }
  const results = active.map(({ index, projection, states }): PartitionResult => {
    const keys = [...states.keys()];
    const encoded = encodeStates(
      projection,
      keys.map((key) => ({ key, state: states.get(key)!.state, position: 0n })),
    );
    return {
      projection: index,
      keys,
      positions: keys.map((key) => states.get(key)!.position),
      json: encoded.map((e) => e.state),
      columns: encoded.map((e) => e.columns),
    };
  });
  post({ kind: 'done', events, results });
}

/**
 * The rows a worker reads: those its whole projections take, and those of its partition that the
 * partitioned ones take. Customer streams are partitioned in SQL by their id (through a function
 * registered on the worker's connection); other streams' rows are read and sorted by their data.
 */
function partitionCondition(
  db: Database.Database,
  plan: PartitionPlan,
  active: { projection: AnyProjection; partitioned: boolean }[],
): RowCondition {
  db.function('aftercare_partition', { deterministic: true }, (streamId: unknown) =>
    partitionOf(partitionKeyOf(String(streamId), ''), plan.workers),
  );
  const whole = active.filter((a) => !a.partitioned).map((a) => a.projection);
  const shared = active.filter((a) => a.partitioned).map((a) => a.projection);
  const parts: RowCondition[] = [];
  if (shared.length) {
    const taken = filterCondition(unionFilter(shared));
    parts.push({
      sql: `(${taken.sql}) AND (category != ? OR aftercare_partition(stream_id) = ?)`,
      params: [...taken.params, CUSTOMER_STREAM_CATEGORY, plan.index],
    });
  }
  if (whole.length) parts.push(filterCondition(unionFilter(whole)));
  if (!parts.length) return { sql: '0', params: [] };
  return {
    sql: parts.map((p) => `(${p.sql})`).join(' OR '),
    params: parts.flatMap((p) => p.params),
  };
}

function foldRow(
  row: EventRow,
  active: {
    projection: AnyProjection;
    partitioned: boolean;
    states: Map<string, { state: unknown; position: number }>;
  }[],
  plan: PartitionPlan,
  metadataOf: (position: number) => string,
): void {
  let event: RowEvent | undefined;
  let hint: string | undefined;
  let hinted = false;
  for (const { projection, partitioned, states } of active) {
    if (!passesFilter(projection.filter, row[1], row[4])) continue;
    if (partitioned) {
      if (!hinted) {
        hint = partitionKeyOf(row[1], row[5]);
        hinted = true;
      }
      if (partitionOf(hint, plan.workers) !== plan.index) continue;
    }
    event ??= new RowEvent(row, metadataOf);
    try {
      const key = projection.keyOf(event);
      if (key === undefined) continue;
      if (partitioned && key !== hint) {
        throw new PartitionMismatch(
          `event ${event.id} of ${event.streamId}: key '${key}', partition hint '${hint}'`,
        );
      }
      const entry = states.get(key);
      if (entry) {
        entry.state = projection.evolve(entry.state, event);
        entry.position = row[0];
      } else {
        states.set(key, {
          state: projection.evolve(projection.initialState(key), event),
          position: row[0],
        });
      }
    } catch (error) {
      if (error instanceof PartitionMismatch) throw error;
      throw new RebuildFailedError(projection.name, event.id, event.position, error);
    }
  }
}

/**
 * Folds on worker threads when it can (see `ParallelRebuildOptions`), filling `states` with
 * serialised states; returns undefined when the caller should fold on its own thread instead
 * (workers unavailable or not worth it, or a row whose partition hint was wrong).
 */
export async function parallelSqliteFold(
  db: Database.Database,
  head: number,
  projections: readonly AnyProjection[],
  states: FoldedStates[],
  onEvents: (count: number, position: GlobalPosition) => void,
  options: ParallelRebuildOptions,
): Promise<{ events: number; lastPosition: GlobalPosition | undefined } | undefined> {
  const script = join(__dirname, `rebuild.worker${extname(__filename)}`);
  const runnable =
    !db.memory && existsSync(script) && (extname(__filename) === '.js' || !!options.workerExecArgv);
  const auto = options.workers === undefined || options.workers === 'auto';
  const workers = auto
    ? head >= (options.minEventsForWorkers ?? 50_000)
      ? Math.min(2, availableParallelism())
      : 1
    : Math.max(1, Math.floor(options.workers as number));
  if (!runnable || workers < 2 || projections.length === 0) return undefined;

  const projectionsModule = options.projectionsModule ?? DEFAULT_REGISTRY;
  const loaded = ((await import(projectionsModule)) as { projections?: readonly AnyProjection[] })
    .projections;
  if (!projections.every((p) => loaded?.some((known) => known === p))) return undefined;

  let single = 0;
  const shares = projections.map((p) => ({
    name: p.name,
    owner: p.keyOf === customerIdOf ? ('partitioned' as const) : workers - 1 - (single++ % workers),
  }));
  const total = countRows(db, filterCondition(unionFilter(projections)), head);
  const positions = new Array<number>(workers).fill(0);
  const threads: Worker[] = [];
  try {
    const outcomes = await new Promise<(PartitionMessage & { kind: 'done' })[] | undefined>(
      (resolve, reject) => {
        const done: (PartitionMessage & { kind: 'done' })[] = [];
        let reported = 0;
        let furthest = 0;
        for (let index = 0; index < workers; index++) {
          const plan: PartitionPlan = {
            path: db.name,
            head,
            workers,
            index,
            projectionsModule,
            projections: shares,
          };
          const worker = new Worker(script, {
            workerData: plan,
            execArgv: options.workerExecArgv,
            // A fold keeps every key's state until its next event: with the default young
            // generation most states are promoted before they die, and old-space GC dominates.
            resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
          });
          threads.push(worker);
          worker.on('error', reject);
          worker.on('exit', (code) => {
            if (code !== 0) reject(new Error(`A rebuild worker exited with code ${code}`));
          });
          worker.on('message', (message: PartitionMessage) => {
            try {
              switch (message.kind) {
                case 'progress': {
                  // Workers read different rows: progress is the slowest one's position, as a
                  // share of all the events.
                  positions[index] = message.position;
                  const slowest = Math.min(...positions);
                  if (slowest > furthest) {
                    furthest = slowest;
                    const done = Math.round((total * slowest) / Math.max(1, head));
                    onEvents(done - reported, BigInt(slowest));
                    reported = done;
                  }
                  break;
                }
                case 'done':
                  done.push(message);
                  if (done.length === workers) resolve(done);
                  break;
                case 'mismatch':
                  resolve(undefined);
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
      },
    );
    if (!outcomes) return undefined;
    for (const outcome of outcomes) {
      for (const result of outcome.results) {
        const map = states[result.projection];
        for (let i = 0; i < result.keys.length; i++) {
          map.set(result.keys[i], {
            state: undefined,
            position: BigInt(result.positions[i]),
            encoded: { json: result.json[i], columns: result.columns[i] },
          });
        }
      }
    }
    return { events: total, lastPosition: head > 0 ? BigInt(head) : undefined };
  } finally {
    await Promise.all(threads.map((t) => t.terminate()));
  }
}
