/**
 * Consumer groups: EventStoreDB/KurrentDB persistent subscriptions to $all (server 21.10+), an
 * EventStoreDB-specific API beside the EventStore port. The server keeps the group's position and
 * hands each event to one of the connected consumers; a consumer acks or nacks each message.
 *
 * - Start: 'start', 'end' (events appended after the group is created) or a port position,
 *   exclusive like everywhere in the port. The server's start position is inclusive, so the
 *   adapter starts the group at the first record after that position; when there is none yet,
 *   at the position itself, and the event there may be delivered once more (delivery is
 *   at-least-once anyway).
 * - Filter: the server applies one filter, on stream names or on event types. Categories become
 *   stream-name prefixes `${category}-`; event-type prefixes are used as they are; a filter with
 *   both is refused (the server cannot apply it and the consumers could not know it). Without a
 *   filter the group filters out system streams (`$...`) and the adapter's checkpoint streams
 *   with a stream-name regex. Consumers ack whatever still slips through (system events)
 *   without showing it.
 * - Delivery is at-least-once: a message nacked with 'retry', not acked within the message
 *   timeout, or held by a consumer that went away, comes back (to any consumer, or under Pinned
 *   to the stream's consumer) with its retry count + 1; at maxRetryCount it is parked instead.
 *   `replayParked` brings parked messages back.
 */
import {
  END,
  EventStoreDBClient,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionDroppedError,
  PersistentSubscriptionExistsError,
  PersistentSubscriptionFailedError,
  PersistentSubscriptionMaximumSubscribersReachedError,
  START,
  UnsupportedError,
  eventTypeFilter,
  persistentSubscriptionToAllSettingsFromDefaults,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Filter,
  type PersistentSubscriptionToAll,
  type PersistentSubscriptionToAllResolvedEvent,
  type Position,
} from '@eventstore/db-client';
import { EventStoreError } from '../errors';
import type { AllFilter, GlobalPosition, RecordedEvent } from '../event-store.port';
import {
  CHECKPOINT_CATEGORY,
  decodePosition,
  encodePosition,
  isHidden,
  mapError,
  normalizePosition,
  toRecorded,
} from './eventstoredb.mapping';
import { WakeSignal } from './wake-signal';

export type ConsumerStrategy = 'RoundRobin' | 'DispatchToSingle' | 'Pinned';

export interface CreateConsumerGroupOptions {
  /** Categories or event-type prefixes (not both). Defaults to every non-system event. */
  filter?: AllFilter;
  /** Exclusive start position, 'start' or 'end'. Defaults to 'start'. */
  from?: 'start' | 'end' | GlobalPosition;
  /** Redeliveries before a message is parked. Defaults to 10 (the server's default). */
  maxRetryCount?: number;
  /** A message not acked within this time is retried. Defaults to 30 000 ms. */
  messageTimeoutMs?: number;
  /**
   * RoundRobin (default): spread over consumers with free slots. DispatchToSingle: one consumer
   * until its buffer is full. Pinned: by a hash of the stream id, so one stream's events go to
   * one consumer (use it for per-customer ordering).
   */
  consumerStrategy?: ConsumerStrategy;
  /** 0 (default) for no limit. */
  maxSubscriberCount?: number;
}

export interface SubscribeToConsumerGroupOptions {
  /** Messages the server may have in flight to this consumer (unacked). Defaults to 10. */
  bufferSize?: number;
}

export type NackAction = 'park' | 'retry' | 'skip';

export interface ConsumerGroupMessage {
  readonly event: RecordedEvent;
  /** 0 on first delivery; +1 for each retry (nack 'retry', timeout, consumer gone). */
  readonly retryCount: number;
  ack(): Promise<void>;
  /** park: set aside until `replayParked`; retry: redeliver; skip: drop it. */
  nack(action: NackAction, reason: string): Promise<void>;
}

export interface ConsumerGroupSubscription extends AsyncIterable<ConsumerGroupMessage> {
  readonly group: string;
  /** Leaves the group; the server retries this consumer's unacked messages elsewhere. */
  close(): Promise<void>;
}

export class ConsumerGroupExistsError extends EventStoreError {
  readonly code = 'consumer_group_exists';
  constructor(
    readonly group: string,
    readonly cause?: unknown,
  ) {
    super(`Consumer group '${group}' on $all already exists`);
    this.name = 'ConsumerGroupExistsError';
  }
}

export class ConsumerGroupNotFoundError extends EventStoreError {
  readonly code = 'consumer_group_not_found';
  constructor(
    readonly group: string,
    readonly cause?: unknown,
  ) {
    super(`Consumer group '${group}' on $all does not exist`);
    this.name = 'ConsumerGroupNotFoundError';
  }
}

/** The server dropped the consumer (the group was deleted or restarted). */
export class ConsumerGroupDroppedError extends EventStoreError {
  readonly code = 'consumer_group_dropped';
  constructor(
    readonly group: string,
    readonly cause?: unknown,
  ) {
    super(`Consumer group '${group}' on $all dropped this consumer`);
    this.name = 'ConsumerGroupDroppedError';
  }
}

export class ConsumerGroupFullError extends EventStoreError {
  readonly code = 'consumer_group_full';
  constructor(
    readonly group: string,
    readonly cause?: unknown,
  ) {
    super(`Consumer group '${group}' on $all has reached its maximum number of consumers`);
    this.name = 'ConsumerGroupFullError';
  }
}

/** The server refused the request (bad start position, server older than 21.10, ...). */
export class ConsumerGroupFailedError extends EventStoreError {
  readonly code = 'consumer_group_failed';
  constructor(
    readonly group: string,
    message: string,
    readonly cause?: unknown,
  ) {
    super(`Consumer group '${group}' on $all: ${message}`);
    this.name = 'ConsumerGroupFailedError';
  }
}

function mapGroupError(error: unknown, group: string, what: string): unknown {
  if (error instanceof PersistentSubscriptionExistsError) {
    return new ConsumerGroupExistsError(group, error);
  }
  if (error instanceof PersistentSubscriptionDoesNotExistError) {
    return new ConsumerGroupNotFoundError(group, error);
  }
  if (error instanceof PersistentSubscriptionDroppedError) {
    return new ConsumerGroupDroppedError(group, error);
  }
  if (error instanceof PersistentSubscriptionMaximumSubscribersReachedError) {
    return new ConsumerGroupFullError(group, error);
  }
  if (error instanceof PersistentSubscriptionFailedError) {
    return new ConsumerGroupFailedError(group, error.reason || error.message, error);
  }
  if (error instanceof UnsupportedError) {
    return new ConsumerGroupFailedError(group, error.message, error);
  }
  return mapError(error, `${what} consumer group '${group}'`);
}

/** Stream names the group skips when it has no filter: system streams and checkpoints. */
const NOT_HIDDEN = `^(?!\\$|${CHECKPOINT_CATEGORY}-)`;

function groupFilter(filter: AllFilter | undefined): Filter {
  const categories = filter?.categories ?? [];
  const types = filter?.eventTypePrefixes ?? [];
  if (categories.length && types.length) {
    throw new RangeError(
      'A consumer group filters on categories or on event-type prefixes, not both',
    );
  }
  if (categories.length) return streamNameFilter({ prefixes: categories.map((c) => `${c}-`) });
  if (types.length) return eventTypeFilter({ prefixes: [...types] });
  return streamNameFilter({ regex: NOT_HIDDEN });
}

function validateGroupName(group: string): void {
  if (typeof group !== 'string' || group.trim() === '') {
    throw new RangeError('Consumer group name must be a non-empty string');
  }
}

export class EventStoreDbConsumerGroups {
  constructor(private readonly client: EventStoreDBClient) {}

  async create(group: string, options: CreateConsumerGroupOptions = {}): Promise<void> {
    validateGroupName(group);
    const filter = groupFilter(options.filter);
    for (const [name, value] of [
      ['maxRetryCount', options.maxRetryCount],
      ['messageTimeoutMs', options.messageTimeoutMs],
      ['maxSubscriberCount', options.maxSubscriberCount],
    ] as const) {
      if (value !== undefined && (!Number.isInteger(value) || value < 0)) {
        throw new RangeError(`${name} must be a non-negative integer`);
      }
    }
    try {
      const startFrom = await this.startPosition(options.from ?? 'start');
      await this.client.createPersistentSubscriptionToAll(
        group,
        persistentSubscriptionToAllSettingsFromDefaults({
          startFrom,
          ...(options.maxRetryCount !== undefined && { maxRetryCount: options.maxRetryCount }),
          ...(options.messageTimeoutMs !== undefined && {
            messageTimeout: options.messageTimeoutMs,
          }),
          ...(options.maxSubscriberCount && { maxSubscriberCount: options.maxSubscriberCount }),
          consumerStrategyName: options.consumerStrategy ?? 'RoundRobin',
        }),
        { filter },
      );
    } catch (error) {
      throw mapGroupError(error, group, 'create');
    }
  }

  /** The server's (inclusive) start for the port's exclusive `from`. */
  private async startPosition(
    from: 'start' | 'end' | GlobalPosition,
  ): Promise<typeof START | typeof END | Position> {
    if (from === 'start') return START;
    if (from === 'end') return END;
    const after = decodePosition(from);
    const exclusive = normalizePosition(from);
    // Forwards reads of $all are inclusive: the second record is the first one after `from`.
    const read = this.client.readAll({ fromPosition: after, maxCount: 2 });
    try {
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        const position = resolved.event?.position;
        if (position && encodePosition(position) > exclusive) return position;
      }
    } finally {
      if (!read.readableEnded) await read.cancel().catch(() => undefined);
    }
    return after;
  }

  /** Connects one consumer; resolves once the server has confirmed it. */
  async subscribe(
    group: string,
    options: SubscribeToConsumerGroupOptions = {},
  ): Promise<ConsumerGroupSubscription> {
    validateGroupName(group);
    const bufferSize = options.bufferSize ?? 10;
    if (!Number.isInteger(bufferSize) || bufferSize < 1) {
      throw new RangeError('bufferSize must be a positive integer');
    }
    const subscription = this.client.subscribeToPersistentSubscriptionToAll(group, {
      bufferSize,
    });
    const consumer = new EventStoreDbConsumer(group, subscription);
    await consumer.confirmed();
    return consumer;
  }

  async delete(group: string): Promise<void> {
    validateGroupName(group);
    try {
      await this.client.deletePersistentSubscriptionToAll(group);
    } catch (error) {
      throw mapGroupError(error, group, 'delete');
    }
  }

  async replayParked(group: string, options: { stopAt?: number } = {}): Promise<void> {
    validateGroupName(group);
    try {
      await this.client.replayParkedMessagesToAll(
        group,
        options.stopAt === undefined ? {} : { stopAt: BigInt(options.stopAt) },
      );
    } catch (error) {
      throw mapGroupError(error, group, 'replay parked messages of');
    }
  }
}

class EventStoreDbConsumer implements ConsumerGroupSubscription {
  private closed = false;
  private ended = false;
  private failure: unknown;
  private readonly signal = new WakeSignal();
  private confirmation: Promise<void>;

  constructor(
    readonly group: string,
    private readonly subscription: PersistentSubscriptionToAll,
  ) {
    this.confirmation = new Promise<void>((resolve, reject) => {
      subscription.once('confirmation', () => resolve());
      subscription.once('error', (error: unknown) => reject(error));
      subscription.once('close', () => reject(new ConsumerGroupDroppedError(group)));
    });
    // Errors are kept for the iterator (an 'error' without a listener would be thrown).
    subscription.on('error', (error: unknown) => {
      this.failure = error;
      this.signal.wake();
    });
    subscription.on('readable', () => this.signal.wake());
    subscription.on('end', () => {
      this.ended = true;
      this.signal.wake();
    });
    subscription.on('close', () => {
      this.ended = true;
      this.signal.wake();
    });
  }

  async confirmed(): Promise<void> {
    try {
      await this.confirmation;
    } catch (error) {
      await this.subscription.unsubscribe().catch(() => undefined);
      throw mapGroupError(error, this.group, 'subscribe to');
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<ConsumerGroupMessage> {
    return this.run()[Symbol.asyncIterator]();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.signal.wake();
    await this.subscription.unsubscribe().catch(() => undefined);
  }

  private async *run(): AsyncGenerator<ConsumerGroupMessage> {
    try {
      while (!this.closed) {
        const resolved =
          this.subscription.read() as PersistentSubscriptionToAllResolvedEvent | null;
        if (resolved !== null) {
          const event = resolved.event;
          if (!event || isHidden(event)) {
            // System events a filter let through: done with them, nobody needs to see them.
            await this.subscription.ack(resolved).catch(() => undefined);
            continue;
          }
          yield this.message(resolved, toRecorded(event));
          continue;
        }
        if (this.failure !== undefined) {
          throw mapGroupError(this.failure, this.group, 'read from');
        }
        if (this.ended) return;
        await this.signal.wait();
      }
    } finally {
      await this.close();
    }
  }

  private message(
    resolved: PersistentSubscriptionToAllResolvedEvent,
    event: RecordedEvent,
  ): ConsumerGroupMessage {
    let settled = false;
    const settle = async (what: string, send: () => Promise<void>) => {
      if (settled) throw new Error(`Message ${event.id} was already acked or nacked`);
      settled = true;
      try {
        await send();
      } catch (error) {
        throw mapGroupError(error, this.group, what);
      }
    };
    return {
      event,
      retryCount: resolved.retryCount,
      ack: () => settle('ack in', () => this.subscription.ack(resolved)),
      nack: (action: NackAction, reason: string) => {
        if (action !== 'park' && action !== 'retry' && action !== 'skip') {
          return Promise.reject(new RangeError(`Unknown nack action '${String(action)}'`));
        }
        return settle('nack in', () => this.subscription.nack(action, reason, resolved));
      },
    };
  }
}
