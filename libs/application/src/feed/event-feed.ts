import { Observable } from 'rxjs';
import type {
  AllFilter,
  EventStore,
  GlobalPosition,
  RecordedEvent,
  Subscription,
} from '@aftercare/event-store';
import { SYSTEM_PRINCIPAL, type Principal } from '../identity/principal';
import type { PiiVault } from '../pii/pii-vault';

/** What a subscriber to lifecycle events asks for; every part is optional. */
export interface FeedQuery {
  /** Exclusive resume position, 'start' (default) for all history, 'end' for live events only. */
  from?: 'start' | 'end' | GlobalPosition;
  /** Stream categories, e.g. 'customer', 'warranty', 'signal'. */
  categories?: string[];
  /** Event type prefixes, e.g. 'Complaint'. */
  typePrefixes?: string[];
  /** Only events whose data names this customer. */
  customerId?: string;
  /**
   * Who receives the events: personal data is opened only for identities allowed to read it
   * (`canReadPii`), erased data reads `{"erased": true}` for everyone. In-process consumers are
   * the engine itself (SYSTEM_PRINCIPAL) unless they say otherwise.
   */
  reader?: Principal;
}

export type FeedMessage = { kind: 'event'; event: RecordedEvent } | { kind: 'caughtUp' };

/**
 * The filtered, resumable feed of recorded events in global order. One source for the SSE
 * endpoint, webhooks and in-process rxjs consumers: resuming from the position of the last event
 * seen gives every later event exactly once, whether it is history or live.
 */
export class EventFeed {
  constructor(
    private readonly store: EventStore,
    /** Absent only in partial test wiring; then events pass as stored. */
    private readonly vault?: PiiVault,
  ) {}

  /** Pull-based: the consumer's pace sets the pace, nothing is buffered without bound. */
  open(query: FeedQuery = {}): FeedCursor {
    const { filter, admit } = this.admission(query);
    const subscription = this.store.subscribeToAll({ from: query.from ?? 'start', filter });
    return new FeedCursor(subscription, admit);
  }

  /**
   * What the feed does to the store's events for a query, for a consumer that reads them itself
   * (the projection runtime feeds webhook deliveries): the store filter, and per event either the
   * event as the reader may see it or undefined when the query leaves it out.
   */
  admission(query: FeedQuery = {}): FeedAdmission {
    const filter: AllFilter = {};
    if (query.categories?.length) filter.categories = query.categories;
    if (query.typePrefixes?.length) filter.eventTypePrefixes = query.typePrefixes;
    const reader = query.reader ?? SYSTEM_PRINCIPAL;
    const { vault } = this;
    const { customerId } = query;
    return {
      filter,
      admit: async (event) => {
        if (customerId !== undefined && customerOf(event) !== customerId) return undefined;
        return vault ? vault.revealEvent(event, reader) : event;
      },
    };
  }

  /** The same feed as an rxjs Observable; unsubscribing closes the store subscription. */
  observe(query: FeedQuery = {}): Observable<RecordedEvent> {
    return new Observable<RecordedEvent>((subscriber) => {
      const cursor = this.open(query);
      void (async () => {
        try {
          for await (const message of cursor) {
            if (subscriber.closed) break;
            if (message.kind === 'event') subscriber.next(message.event);
          }
          subscriber.complete();
        } catch (error) {
          subscriber.error(error);
        }
      })();
      return () => void cursor.close();
    });
  }
}

export interface FeedAdmission {
  filter: AllFilter;
  admit(event: RecordedEvent): Promise<RecordedEvent | undefined>;
}

export class FeedCursor implements AsyncIterable<FeedMessage> {
  constructor(
    private readonly subscription: Subscription,
    private readonly admit: FeedAdmission['admit'],
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<FeedMessage> {
    for await (const message of this.subscription) {
      if (message.kind === 'caughtUp') {
        yield { kind: 'caughtUp' };
        continue;
      }
      if (message.kind !== 'event') continue;
      const event = await this.admit(message.event);
      if (event) yield { kind: 'event', event };
    }
  }

  close(): Promise<void> {
    return this.subscription.close();
  }
}

function customerOf(event: RecordedEvent): unknown {
  const data = event.data as { customerId?: unknown } | null;
  return data?.customerId;
}
