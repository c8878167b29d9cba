import { Global, Inject, Injectable, Module, OnApplicationShutdown } from '@nestjs/common';
import { createEventStore, type EventStore, type StoreConfig } from '@aftercare/event-store';
import {
  AFTERCARE_CONFIG,
  type AftercareConfig,
  AftercareConfigModule,
} from '../config/aftercare-config';

/** Injection tokens for the configured store and its settings. */
export const EVENT_STORE = Symbol('EVENT_STORE');
export const STORE_CONFIG = Symbol('STORE_CONFIG');

@Injectable()
class EventStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.store.close();
  }
}

/**
 * Opens the event store selected by AFTERCARE_STORE once per process, from the typed configuration
 * (validated when it is loaded, so a bad value stops the process before it listens).
 */
@Global()
@Module({
  imports: [AftercareConfigModule],
  providers: [
    {
      provide: STORE_CONFIG,
      inject: [AFTERCARE_CONFIG],
      useFactory: (config: AftercareConfig): StoreConfig => config.store,
    },
    {
      provide: EVENT_STORE,
      inject: [STORE_CONFIG],
      useFactory: (config: StoreConfig): Promise<EventStore> => createEventStore(config),
    },
    EventStoreCloser,
  ],
  exports: [EVENT_STORE, STORE_CONFIG],
})
export class EventStoreModule {}
