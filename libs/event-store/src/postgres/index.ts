/** `@aftercare/event-store/postgres`: the PostgreSQL adapter (loads pg). */
export { PostgresEventStore, type PostgresEventStoreOptions } from './postgres.event-store';
