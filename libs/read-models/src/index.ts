export * from './read-model-store';
export {
  SqliteReadModelStore,
  type SqliteReadModelStoreOptions,
} from './sqlite/sqlite.read-model-store';
export {
  PostgresReadModelStore,
  type PostgresReadModelStoreOptions,
  type ReadModelColumnType,
} from './postgres/postgres.read-model-store';
export {
  type BatchOutcome,
  type ConsumerContext,
  consumerLeaseName,
  type ConsumerStatus,
  type EventConsumer,
  type JobContext,
  LeaseLostError,
  type RunnerOutcome,
  type ScheduledConsumer,
} from './engine/consumer';
export { ConsumerRunner, type ConsumerRunnerOptions } from './engine/consumer-runner';
export { ProjectionConsumer } from './engine/projection-consumer';
export { describeError, RetryPolicy } from './engine/retry-policy';
export { StateCache } from './engine/state-cache';
export {
  ProjectionEngine,
  type ProjectionEngineOptions,
  type ProjectionStatusView,
  type ProjectionPhase,
  type CachedProjectionStatus,
  UnknownProjectionError,
} from './engine/projection-engine';
export {
  rebuildProjections,
  storeSource,
  RebuildFailedError,
  RebuildInProgressError,
  type FoldedStates,
  type RebuildOptions,
  type RebuildProgress,
  type RebuildResult,
  type RebuildSource,
} from './rebuild/rebuild';
export {
  sqliteRebuildSource,
  type SqliteRebuildSourceOptions,
} from './rebuild/sqlite.rebuild-source';
export { type ParallelRebuildOptions } from './rebuild/parallel.rebuild-source';
export {
  type OfflineRebuild,
  type OfflineRebuildRequest,
  workerRebuild,
  type WorkerRebuildOptions,
} from './rebuild/offline-rebuild';
export { SLICE_MS, TimeSlice, yieldToEventLoop } from './engine/yield';
export { CatchUpProgress, formatDuration, type LoopProgress } from './engine/catch-up-progress';
export * from './scores/customer-score-index';
export { customerScoreIndexOf } from './scores/score-index-of';
