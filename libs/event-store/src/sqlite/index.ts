/** `@aftercare/event-store/sqlite`: the embedded adapter, loaded only by those who use it. */
export { SqliteEventStore, type SqliteEventStoreOptions } from './sqlite.event-store';
export { GroupCommit } from './group-commit';
export { BackgroundSyncCommit } from './background-sync-commit';
