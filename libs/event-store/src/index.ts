export * from './event-store.port';
export * from './errors';
export * from './append-validation';
export * from './store-config';
export * from './create-event-store';
export { SqliteEventStore } from './sqlite/sqlite.event-store';
export { PostgresEventStore } from './postgres/postgres.event-store';
export {
  EventStoreDbEventStore,
  AppendTooLargeError,
} from './eventstoredb/eventstoredb.event-store';
export * from './eventstoredb/eventstoredb.consumer-groups';
