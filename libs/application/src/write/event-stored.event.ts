import type { IEvent } from '@nestjs/cqrs';
import type { RecordedEvent } from '@aftercare/event-store';

/**
 * Published on the @nestjs/cqrs EventBus after an event is stored, for in-process listeners
 * (`@EventsHandler(EventStored)`). Only events that are in the store are ever published.
 */
export class EventStored implements IEvent {
  constructor(readonly event: RecordedEvent) {}
}
