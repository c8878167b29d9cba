import type { EventStore, GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import type { ProjectionFailure, ProjectionStatusKind, ReadModelStore } from '../read-model-store';
import type { OfflineRebuild } from '../rebuild/offline-rebuild';
import type { RebuildSource } from '../rebuild/rebuild';

/** The engine's options and the statuses it reports, apart from the engine itself. */

export interface ProjectionEngineOptions {
  store: EventStore;
  readModels: ReadModelStore;
  projections: readonly AnyProjection[];
  /** Lease owner id; defaults to host:pid:random. */
  instanceId?: string;
  /** A lease not renewed for this long is taken over by another instance. Default 15 s. */
  leaseTtlMs?: number;
  /** Default 500 events per transaction (a batch also ends after a slice of time). */
  batchSize?: number;
  /** How long a consumer's started batch waits for more events. Default 50 ms. */
  batchWaitMs?: number;
  /**
   * The same for the projections: longer, since each batch is a transaction and a state written
   * once per batch however many of its events touched it. A read that asks for a position ends
   * the wait at once (read your writes). Default `batchWaitMs` when that is given, else 200 ms.
   */
  projectionBatchWaitMs?: number;
  /** States cached per projection. Default 10,000. */
  cacheSize?: number;
  /** First delay after a failure (store or database away); doubles up to the max. Default 1 s. */
  retryDelayMs?: number;
  /** Default 30 s. */
  maxRetryDelayMs?: number;
  /** Rebuild, before running it, a projection whose stored version differs from its code. Default true. */
  rebuildOnVersionChange?: boolean;
  /** Faster event source for rebuilds (see `sqliteRebuildSource`). */
  rebuildSource?: RebuildSource;
  /**
   * Rebuilds off this thread (see `workerRebuild`): a projection whose lease this instance takes
   * while it is more than `minLag` positions behind the head (or built by another version) is
   * rebuilt this way, then runs live from the position the rebuild reached. Without it, such a
   * projection catches up event by event (a new version is rebuilt on this thread first).
   */
  offlineRebuild?: OfflineRebuild;
  /**
   * Where `rebuild` (the CLI's `projections rebuild`) runs when it supports the projection: off
   * this thread, in a worker with a bounded heap (see `workerRebuild`). Without it, or for a
   * projection it does not support, `rebuild` folds on this thread from `rebuildSource`.
   */
  commandRebuild?: OfflineRebuild;
  /** Events counted past the checkpoint for `lag` (reading further is not worth it). Default 10,000. */
  lagCountLimit?: number;
  /** How often the cached status is refreshed and catch-up progress logged. Default 5 s. */
  progressIntervalMs?: number;
  log?: (message: string) => void;
  /** Failures an operator must see: batches or jobs failing and retried, crashed runners. Default `log`. */
  warn?: (message: string) => void;
}

export interface ProjectionStatusView {
  name: string;
  /** Version of the code in this process. */
  version: number;
  /** Version that built the stored read model. */
  storedVersion: number;
  status: ProjectionStatusKind;
  checkpoint: GlobalPosition | undefined;
  headPosition: GlobalPosition | undefined;
  /** Head minus checkpoint: an upper bound on the lag (positions may have gaps). */
  positionLag: bigint;
  /** Events past the checkpoint that the projection's filter passes, counted up to `lagCountLimit`. */
  lag: number;
  /** True when `lag` hit the count limit (the real lag is larger). */
  lagIsLowerBound: boolean;
  failure: ProjectionFailure | undefined;
  /** Instance holding the projection's lease, if any. */
  owner: string | undefined;
  /** Whether this instance runs it. */
  runningHere: boolean;
  /** Whether this instance's runner has applied everything the store held when it subscribed. */
  caughtUp: boolean;
  /**
   * Where this instance stands with it: rebuilding off-thread, catching up event by event, or
   * live (caught up); undefined when it does not run it.
   */
  phase: ProjectionPhase | undefined;
  /** Events per second of the phase (the rebuild's, or the catch-up's over the last period). */
  eventsPerSecond: number | undefined;
  /** Seconds until the phase ends at that rate (the rebuild's swap, or catching up). */
  etaSeconds: number | undefined;
  updatedAt: string;
}

export type ProjectionPhase = 'rebuilding' | 'catching_up' | 'live';

/** The statuses of every projection as of `at`, refreshed in the background (no event counts). */
export interface CachedProjectionStatus {
  at: string;
  headPosition: GlobalPosition | undefined;
  projections: ProjectionStatusView[];
}

export class UnknownProjectionError extends Error {
  constructor(
    readonly projection: string,
    readonly known: string[],
  ) {
    super(`Unknown projection '${projection}'. Known projections: ${known.join(', ') || '(none)'}`);
    this.name = 'UnknownProjectionError';
  }
}
