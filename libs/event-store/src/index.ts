export * from './event-store.port';
export * from './errors';
export * from './append-validation';
export * from './bulk-append';
export * from './store-config';
export * from './create-event-store';
// Each adapter has an import path of its own (`@aftercare/event-store/sqlite`, `/postgres`,
// `/eventstoredb`), so a deployment loads only the driver it uses: never pg or gRPC for SQLite.
