import {
  START,
  eventTypeFilter,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type AllStreamSubscription,
  type EventStoreDBClient,
  type Filter,
  type Position,
} from '@eventstore/db-client';
import { matchesFilter } from '../append-validation';
import type {
  AllFilter,
  GlobalPosition,
  SubscribeToAllOptions,
  Subscription,
  SubscriptionMessage,
} from '../event-store.port';
import {
  decodePosition,
  encodePosition,
  normalizePosition,
  isHidden,
  mapError,
  toRecorded,
} from './eventstoredb.mapping';
import { WakeSignal } from './wake-signal';

/**
 * The EventStoreDB adapter's subscription to $all (eventstoredb.event-store.ts).
 *
 * Filters. Subscriptions filter server-side on the categories (stream-name prefixes `${category}-`)
 * or, without categories, on the event-type prefixes; the rest of the filter is applied here.
 * System events ('$' types or streams) and the adapter's checkpoint streams are never delivered.
 *
 * Caught-up. Client 6.2.1 surfaces the server's CaughtUp message only as a 'caughtUp' event with no
 * position, and servers before 23.10 never send it. A subscription therefore reads the head of $all
 * (every record, system ones included) before it subscribes and is caught up at whichever comes
 * first: the server's CaughtUp, an event at or after that head, or a filter checkpoint at or after
 * it. The signal is placed in order after the events that preceded it (counted through the
 * subscription's readable buffer), and its position is the largest of that head, the start
 * position and the last event seen.
 */

/** The part of the filter the server applies; the whole filter is applied again here. */
function serverFilter(
  filter: AllFilter | undefined,
): Omit<Filter, 'checkpointReached'> | undefined {
  if (filter?.categories?.length) {
    return streamNameFilter({ prefixes: filter.categories.map((c) => `${c}-`) });
  }
  if (filter?.eventTypePrefixes?.length) {
    return eventTypeFilter({ prefixes: [...filter.eventTypePrefixes] });
  }
  return undefined;
}

export class EventStoreDbSubscription implements Subscription {
  private closed = false;
  private subscription: AllStreamSubscription | undefined;
  private readonly signal = new WakeSignal();

  constructor(
    private readonly client: EventStoreDBClient,
    private readonly options: SubscribeToAllOptions,
    private readonly rawHead: () => Promise<GlobalPosition | undefined>,
  ) {}

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return this.run()[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal.wake();
    await this.subscription?.unsubscribe().catch(() => undefined);
  }

  private async *run(): AsyncGenerator<SubscriptionMessage> {
    const { filter } = this.options;
    const asked = this.options.from ?? 'start';
    const fromOption = typeof asked === 'bigint' ? normalizePosition(asked) : asked;
    let head: GlobalPosition | undefined;
    try {
      head = await this.rawHead();
    } catch (error) {
      throw mapError(error, 'subscribe to $all');
    }
    if (this.closed) return;
    // 'end' resumes after the head read here, so nothing appended meanwhile is missed.
    const from = fromOption === 'end' ? (head ?? 'start') : fromOption;

    // Number of raw events (read from the client's buffer) after which caught-up is due.
    let caughtUpAfter: number | undefined;
    let consumed = 0;
    let lastSeen: GlobalPosition | undefined;
    let failure: unknown;
    let ended = false;
    if (head === undefined || (from !== 'start' && from >= head)) caughtUpAfter = 0;

    const markCaughtUp = () => {
      if (caughtUpAfter !== undefined) return;
      caughtUpAfter = consumed + (this.subscription?.readableLength ?? 0);
      this.signal.wake();
    };
    const base = serverFilter(filter);
    const subscription = this.client.subscribeToAll({
      fromPosition: from === 'start' ? START : decodePosition(from),
      filter: base && {
        ...base,
        checkpointReached: (_s: AllStreamSubscription, position: Position) => {
          if (head !== undefined && encodePosition(position) >= head) markCaughtUp();
        },
      },
    } as Parameters<EventStoreDBClient['subscribeToAll']>[0]);
    this.subscription = subscription;
    subscription.on('caughtUp', markCaughtUp);
    subscription.on('readable', () => this.signal.wake());
    subscription.on('end', () => {
      ended = true;
      this.signal.wake();
    });
    subscription.on('error', (error: unknown) => {
      failure = error;
      this.signal.wake();
    });

    try {
      let caughtUpSent = false;
      while (!this.closed) {
        if (!caughtUpSent && caughtUpAfter !== undefined && consumed >= caughtUpAfter) {
          caughtUpSent = true;
          const candidates = [head, lastSeen, from === 'start' ? undefined : from].filter(
            (p): p is bigint => p !== undefined,
          );
          const position = candidates.length
            ? candidates.reduce((a, b) => (a > b ? a : b))
            : undefined;
          yield { kind: 'caughtUp', position };
          continue;
        }
        const resolved = subscription.read() as AllStreamResolvedEvent | null;
        if (resolved !== null) {
          consumed++;
          const event = resolved.event;
          if (!event) continue;
          const position = encodePosition(event.position);
          lastSeen = position;
          if (!isHidden(event) && matchesFilter(filter, event.streamId, event.type)) {
            yield { kind: 'event', event: toRecorded(event) };
          }
          if (caughtUpAfter === undefined && head !== undefined && position >= head) {
            caughtUpAfter = consumed;
          }
          continue;
        }
        if (failure !== undefined) throw mapError(failure, 'subscription to $all');
        if (ended) return;
        await this.signal.wait();
      }
    } finally {
      this.closed = true;
      await subscription.unsubscribe().catch(() => undefined);
    }
  }
}
