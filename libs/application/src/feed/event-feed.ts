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
    const filter: AllFilter = {};
    if (query.categories?.length) filter.categories = query.categories;
    if (query.typePrefixes?.length) filter.eventTypePrefixes = query.typePrefixes;
    const subscription = this.store.subscribeToAll({ from: query.from ?? 'start', filter });
    const reader = query.reader ?? SYSTEM_PRINCIPAL;
    const vault = this.vault;
    return new FeedCursor(
      subscription,
      query.customerId,
      vault ? (event) => vault.revealEvent(event, reader) : undefined,
    );
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

export class FeedCursor implements AsyncIterable<FeedMessage> {
  constructor(
    private readonly subscription: Subscription,
    private readonly customerId: string | undefined,
    private readonly reveal?: (event: RecordedEvent) => Promise<RecordedEvent>,
  ) {}

  async *[Symbol.asyncIterator](): AsyncIterator<FeedMessage> {
    for await (const message of this.subscription) {
      if (message.kind === 'caughtUp') {
        yield { kind: 'caughtUp' };
      } else if (this.customerId === undefined || customerOf(message.event) === this.customerId) {
        yield this.reveal ? { kind: 'event', event: await this.reveal(message.event) } : message;
      }
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
