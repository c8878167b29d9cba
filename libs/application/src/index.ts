export * from './store/event-store.module';
