/** `@aftercare/event-store/eventstoredb`: the EventStoreDB adapter (loads the gRPC client). */
export { EventStoreDbEventStore, AppendTooLargeError } from './eventstoredb.event-store';
export * from './eventstoredb.consumer-groups';
