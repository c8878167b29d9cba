import { Global, Module } from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import { EVENT_STORE } from '../store/event-store.module';
import { EventFeed } from './event-feed';

/**
 * In-process access to the lifecycle feed: inject `EventFeed` and call `observe({ from, ... })`
 * for an rxjs Observable that resumes exactly after the given position.
 */
@Global()
@Module({
  providers: [
    {
      provide: EventFeed,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new EventFeed(store),
    },
  ],
  exports: [EventFeed],
})
export class EventFeedModule {}
