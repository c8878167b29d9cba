import { Global, Module } from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import { PII_VAULT } from '../pii/pii.module';
import type { PiiVault } from '../pii/pii-vault';
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
      inject: [EVENT_STORE, { token: PII_VAULT, optional: true }],
      useFactory: (store: EventStore, vault?: PiiVault) => new EventFeed(store, vault),
    },
  ],
  exports: [EventFeed],
})
export class EventFeedModule {}
