import type { AllFilter, EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import { type AnyProjection, passesFilter } from '@aftercare/projections';
import { type ReadModelStore, rebuildLeaseName } from '../read-model-store';
import { type FoldedStates, handOver, RebuildTableWriter, type RebuildSink } from './rebuild-sink';

export type { FoldedState, FoldedStates, RebuildSink } from './rebuild-sink';

export interface RebuildProgress {
  projections: string[];
  phase: 'reading' | 'writing' | 'swapping' | 'done';
  /** Events read and handed to the projections so far. */
  eventsDone: number;
  /** Estimated events in all, from the head position (positions may have gaps). */
  eventsTotal: number | undefined;
  position: GlobalPosition | undefined;
  headPosition: GlobalPosition | undefined;
  eventsPerSecond: number;
  etaSeconds: number | undefined;
}

export interface RebuildOptions {
  store: EventStore;
  readModels: ReadModelStore;
  /** Rebuilt in one pass over the store: each event is read (and parsed) once for all of them. */
  projections: readonly AnyProjection[];
  /** Lease owner id; the rebuild holds `<name>#rebuild` leases while it runs. */
  owner: string;
  leaseTtlMs?: number;
  onProgress?: (progress: RebuildProgress) => void;
  progressIntervalMs?: number;
  /** States per write transaction into a rebuild table (default 500). */
  writeChunkSize?: number;
  /** Faster event source than `store.readAll` (e.g. raw rows of the SQLite store). */
  source?: RebuildSource;
  /** Called after the fold, before anything is swapped (tests use it to simulate a crash). */
  beforeSwap?: () => Promise<void> | void;
}

/**
 * Reads events for a rebuild, folds them and hands each key's final state to `sink` (projections
 * are numbered as in `projections`). Returns the events read and the last position read.
 * `onEvents` reports progress: events read since the last call, and how far the read is, as a
 * position (an estimate when the source does not read in global order).
 */
export interface RebuildSource {
  fold(
    projections: readonly AnyProjection[],
    sink: RebuildSink,
    onEvents: (count: number, position: GlobalPosition) => void,
  ): Promise<{ events: number; lastPosition: GlobalPosition | undefined }>;
}

export interface RebuildResult {
  projections: { name: string; keys: number; checkpoint: GlobalPosition | undefined }[];
  events: number;
  durationMs: number;
  eventsPerSecond: number;
}

/** An event the projection's code threw on during a rebuild: nothing was swapped. */
export class RebuildFailedError extends Error {
  constructor(
    readonly projection: string,
    readonly eventId: string,
    readonly position: GlobalPosition,
    readonly cause: unknown,
  ) {
    super(
      `Rebuild of ${projection} failed at event ${eventId} (position ${position}): ${
        cause instanceof Error ? cause.message : String(cause)
      }`,
    );
    this.name = 'RebuildFailedError';
  }
}

export class RebuildInProgressError extends Error {
  constructor(readonly projection: string) {
    super(`A rebuild of ${projection} is already running`);
    this.name = 'RebuildInProgressError';
  }
}

/**
 * Rebuilds projections from the start into fresh `rm_<name>__rebuild` tables while the live tables
 * keep serving, then swaps each in atomically with the checkpoint the rebuild reached; a live
 * runner continues from there. A crash before the swap leaves the live tables untouched and the
 * next rebuild drops the leftovers.
 */
export async function rebuildProjections(options: RebuildOptions): Promise<RebuildResult> {
  const { store, readModels, projections, owner } = options;
  const ttl = options.leaseTtlMs ?? 30_000;
  const started = performance.now();
  const names = projections.map((p) => p.name);
  const taken: string[] = [];
  let heartbeat: NodeJS.Timeout | undefined;
  let leaseLost: string | undefined;
  try {
    for (const projection of projections) {
      await readModels.register(projection);
      if (!(await readModels.acquireLease(rebuildLeaseName(projection.name), owner, ttl))) {
        throw new RebuildInProgressError(projection.name);
      }
      taken.push(projection.name);
    }
    heartbeat = setInterval(() => {
      for (const name of taken) {
        readModels
          .renewLease(rebuildLeaseName(name), owner, ttl)
          .then((renewal) => {
            if (!renewal.held) leaseLost = name;
          })
          .catch(() => undefined);
      }
    }, ttl / 3);
    heartbeat.unref();
    for (const projection of projections) await readModels.beginRebuild(projection);

    const headPosition = await store.headPosition();
    let eventsDone = 0;
    let lastReport = 0;
    const interval = options.progressIntervalMs ?? 250;
    const report = (
      phase: RebuildProgress['phase'],
      position: GlobalPosition | undefined,
    ): void => {
      if (!options.onProgress) return;
      const seconds = (performance.now() - started) / 1000;
      const rate = seconds > 0 ? eventsDone / seconds : 0;
      const fraction =
        headPosition && position !== undefined && headPosition > 0n
          ? Math.min(1, Number(position) / Number(headPosition))
          : undefined;
      const total =
        phase === 'done' ? eventsDone : fraction ? Math.round(eventsDone / fraction) : undefined;
      options.onProgress({
        projections: names,
        phase,
        eventsDone,
        eventsTotal: total,
        position,
        headPosition,
        eventsPerSecond: Math.round(rate),
        etaSeconds:
          total !== undefined && rate > 0 ? Math.max(0, (total - eventsDone) / rate) : undefined,
      });
    };

    const writer = new RebuildTableWriter(readModels, projections, options.writeChunkSize ?? 500);
    const source = options.source ?? storeSource(store);
    const { events, lastPosition } = await source.fold(projections, writer, (count, position) => {
      eventsDone += count;
      const now = performance.now();
      if (now - lastReport >= interval) {
        lastReport = now;
        report('reading', position);
      }
      if (leaseLost) throw new Error(`The rebuild of ${leaseLost} lost its lease`);
    });
    eventsDone = events;
    report('writing', lastPosition);
    await writer.finish();
    await options.beforeSwap?.();
    report('swapping', lastPosition);
    if (leaseLost) throw new Error(`The rebuild of ${leaseLost} lost its lease`);
    const checkpoint = lastPosition ?? headPosition;
    const result: RebuildResult['projections'] = [];
    for (let i = 0; i < projections.length; i++) {
      await readModels.swapRebuild(projections[i], checkpoint, owner);
      result.push({ name: projections[i].name, keys: writer.keys[i], checkpoint });
    }
    report('done', lastPosition);
    const durationMs = performance.now() - started;
    return {
      projections: result,
      events,
      durationMs,
      eventsPerSecond: Math.round(events / (durationMs / 1000 || 1)),
    };
  } catch (error) {
    for (const name of taken) await readModels.abandonRebuild(name).catch(() => undefined);
    throw error;
  } finally {
    clearInterval(heartbeat);
    for (const name of taken) {
      await readModels.releaseLease(rebuildLeaseName(name), owner).catch(() => undefined);
    }
  }
}

/** One filter for the read when the projections' filters allow it; undefined reads everything. */
export function unionFilter(projections: readonly AnyProjection[]): AllFilter | undefined {
  const filters = projections.map((p) => p.filter);
  if (filters.some((f) => !f.categories?.length && !f.eventTypePrefixes?.length)) return undefined;
  if (filters.every((f) => f.categories?.length && !f.eventTypePrefixes?.length)) {
    return { categories: [...new Set(filters.flatMap((f) => f.categories!))] };
  }
  if (filters.every((f) => f.eventTypePrefixes?.length && !f.categories?.length)) {
    return { eventTypePrefixes: [...new Set(filters.flatMap((f) => f.eventTypePrefixes!))] };
  }
  const first = JSON.stringify(filters[0]);
  return filters.every((f) => JSON.stringify(f) === first) ? filters[0] : undefined;
}

/** Folds one event into every projection it passes; throws RebuildFailedError on handler errors. */
export function foldEvent(
  projections: readonly AnyProjection[],
  states: FoldedStates[],
  event: RecordedEvent,
): void {
  for (let i = 0; i < projections.length; i++) {
    if (passesFilter(projections[i].filter, event.streamId, event.type)) {
      evolveInto(projections[i], states[i], event);
    }
  }
}

/** Folds one event into the state of its key in `states`; throws RebuildFailedError on errors. */
export function evolveInto(
  projection: AnyProjection,
  states: FoldedStates,
  event: RecordedEvent,
): void {
  try {
    const key = projection.keyOf(event);
    if (key === undefined) return;
    // The rebuild owns its states: nothing else holds them, so they may change in place.
    const evolve = projection.evolveInPlace ?? projection.evolve;
    const entry = states.get(key);
    if (entry) {
      entry.state = evolve(entry.state, event);
      entry.position = event.position;
    } else {
      states.set(key, {
        state: evolve(projection.initialState(key), event),
        position: event.position,
      });
    }
  } catch (error) {
    throw new RebuildFailedError(projection.name, event.id, event.position, error);
  }
}

/** The portable source: `readAll` of any adapter, in global order. */
export function storeSource(store: EventStore): RebuildSource {
  return {
    async fold(projections, sink, onEvents) {
      const states = projections.map((): FoldedStates => new Map());
      let events = 0;
      let lastPosition: GlobalPosition | undefined;
      let sinceReport = 0;
      for await (const event of store.readAll({ filter: unionFilter(projections) })) {
        foldEvent(projections, states, event);
        events++;
        lastPosition = event.position;
        if (++sinceReport === 1000) {
          onEvents(sinceReport, lastPosition);
          sinceReport = 0;
        }
      }
      if (sinceReport && lastPosition !== undefined) onEvents(sinceReport, lastPosition);
      await handOver(states, sink);
      return { events, lastPosition };
    },
  };
}
