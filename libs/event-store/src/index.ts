export * from './event-store.port';
export * from './errors';
export * from './append-validation';
