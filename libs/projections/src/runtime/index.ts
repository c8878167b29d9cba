export * from './read-model-store';
export { SqliteReadModelStore, type SqliteReadModelStoreOptions } from './sqlite.read-model-store';
export {
  PostgresReadModelStore,
  type PostgresReadModelStoreOptions,
  type ReadModelColumnType,
} from './postgres.read-model-store';
export {
  ProjectionRunner,
  type ProjectionRunnerOptions,
  type RunnerOutcome,
} from './projection-runner';
export {
  ProjectionEngine,
  type ProjectionEngineOptions,
  type ProjectionStatusView,
  UnknownProjectionError,
} from './projection-engine';
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
} from './rebuild';
export { sqliteRebuildSource, type SqliteRebuildSourceOptions } from './sqlite.rebuild-source';
export { type ParallelRebuildOptions } from './parallel.rebuild-source';
export { foldAsOf, type AsOfOptions } from './as-of';
