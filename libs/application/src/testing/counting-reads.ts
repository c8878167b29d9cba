import type { EventStore, ReadStreamOptions } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';

/** A store whose stream reads are counted, so a spec can see what a cache read again. */
export class CountedStreamReads {
  /** Events `store.readStream` handed out since this was last set (to 0, by the spec). */
  events = 0;
  /** The store itself but for `readStream`, which counts. */
  readonly store: EventStore;

  constructor(inner: EventStore) {
    this.store = Object.create(inner) as EventStore;
    this.store.readStream = (streamId: string, options?: ReadStreamOptions) => {
      const events = inner.readStream(streamId, options);
      const count = (): void => {
        this.events += 1;
      };
      return {
        async *[Symbol.asyncIterator]() {
          for await (const event of events) {
            count();
            yield event;
          }
        },
      };
    };
  }
}

/**
 * For a spec's describe block: a fresh in-memory SQLite store before each test, closed after it,
 * with its stream reads counted (`reads.events`); read the fields inside the tests.
 */
export function countedMemoryStore(): { store: SqliteEventStore; reads: CountedStreamReads } {
  const fixture = {} as { store: SqliteEventStore; reads: CountedStreamReads };
  beforeEach(() => {
    fixture.store = SqliteEventStore.open({ path: ':memory:' });
    fixture.reads = new CountedStreamReads(fixture.store);
  });
  afterEach(() => fixture.store.close());
  return fixture;
}
