/**
 * EventStoreDB / KurrentDB adapter of the EventStore port, on `@eventstore/db-client` (gRPC).
 *
 * Positions. EventStoreDB orders $all by (commit, prepare) log positions; the events of one append
 * can share a commit position (servers that write commit records) and differ by prepare position.
 * The port's single bigint packs the pair into 63 bits in that order (`encodePosition`, in
 * eventstoredb.mapping.ts), so that read models can keep it in a 64-bit column; `decodePosition`
 * turns it back into the pair when a read or subscription resumes "after" a position. A read of one stream cannot tell the position of an
 * event written with a commit record (the server answers "no position"); such events carry
 * position -1n. Current servers commit each event itself, so this only affects old data.
 *
 * Idempotency. The port's rule (every id of the batch already in the stream: no-op returning the
 * stored events; only some: WrongExpectedVersionError) is stricter than the server's, which only
 * looks at ids where the expected revision says the batch would go (and, for `any`, only when the
 * first id is a recent one). So the adapter reads the stream's matching ids before appending; the
 * server's own check still covers a retry racing with its original.
 *
 * Filters. The client's readAll (6.2.1) has no server-side filter, so readAll filters on the
 * client. Subscriptions filter server-side on the categories (stream-name prefixes `${category}-`)
 * or, without categories, on the event-type prefixes; the rest of the filter is applied here.
 * System events ('$' types or streams) and the adapter's checkpoint streams are never delivered.
 *
 * The subscription to $all (and when it is caught up) is in eventstoredb.subscription.ts.
 */
import {
  BACKWARDS,
  END,
  EventStoreDBClient,
  FORWARDS,
  START,
  StreamNotFoundError,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  jsonEvent,
  type AllStreamResolvedEvent,
} from '@eventstore/db-client';
import { matchesFilter, validateAppend, validateExpectedRevision } from '../append-validation';
import { WrongExpectedVersionError } from '../errors';
import type {
  AppendOptions,
  AppendResult,
  EventStore,
  EventToAppend,
  GlobalPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
  StoreHealth,
  SubscribeToAllOptions,
  Subscription,
} from '../event-store.port';
import {
  EventStoreDbConsumerGroups,
  type ConsumerGroupSubscription,
  type CreateConsumerGroupOptions,
  type SubscribeToConsumerGroupOptions,
} from './eventstoredb.consumer-groups';
import {
  AppendTooLargeError,
  CHECKPOINT_CATEGORY,
  DEFAULT_MAX_APPEND_SIZE,
  appendSize,
  decodePosition,
  encodePosition,
  isHidden,
  mapError,
  normalizePosition,
  toRecorded,
} from './eventstoredb.mapping';
import { EventStoreDbSubscription } from './eventstoredb.subscription';

const CHECKPOINT_EVENT_TYPE = 'AftercareCheckpointSaved';
/** How many checkpoint events the server keeps per consumer ($maxCount stream metadata). */
const CHECKPOINTS_KEPT = 10;

export {
  AppendTooLargeError,
  DEFAULT_MAX_APPEND_SIZE,
  decodePosition,
  encodePosition,
  normalizePosition,
};
export * from './eventstoredb.consumer-groups';

export class EventStoreDbEventStore implements EventStore {
  readonly kind = 'eventstoredb' as const;
  private readonly consumerGroups: EventStoreDbConsumerGroups;

  private constructor(
    private readonly client: EventStoreDBClient,
    private readonly maxAppendSize: number,
  ) {
    this.consumerGroups = new EventStoreDbConsumerGroups(client);
  }

  // Consumer groups (persistent subscriptions to $all): EventStoreDB-specific, not in the port.
  // See eventstoredb.consumer-groups.ts and docs/eventstoredb.md.

  /** Creates a consumer group on $all; ConsumerGroupExistsError when the name is taken. */
  createConsumerGroup(group: string, options?: CreateConsumerGroupOptions): Promise<void> {
    return this.consumerGroups.create(group, options);
  }

  /**
   * Joins a consumer group as one consumer (resolves once the server confirms it;
   * ConsumerGroupNotFoundError when there is no such group). Each message must be acked or nacked.
   */
  subscribeToConsumerGroup(
    group: string,
    options?: SubscribeToConsumerGroupOptions,
  ): Promise<ConsumerGroupSubscription> {
    return this.consumerGroups.subscribe(group, options);
  }

  /** Deletes a consumer group (its consumers are dropped); ConsumerGroupNotFoundError if absent. */
  deleteConsumerGroup(group: string): Promise<void> {
    return this.consumerGroups.delete(group);
  }

  /** Redelivers the group's parked messages (all, or the first `stopAt`). */
  replayParked(group: string, options?: { stopAt?: number }): Promise<void> {
    return this.consumerGroups.replayParked(group, options);
  }

  /**
   * Creates the client from a connection string (`esdb://host:2113?tls=false`,
   * `esdb+discover://...` for a cluster). The client connects lazily: an unreachable server shows
   * in `health()` and as StoreUnavailableError on the first operation.
   */
  static async connect(options: {
    connectionString: string;
    /**
     * The server's MaxAppendSize (KurrentDB's setting; 1 MiB by default): heavier appends are
     * refused with AppendTooLargeError before anything is sent.
     */
    maxAppendSize?: number;
  }): Promise<EventStoreDbEventStore> {
    if (!options.connectionString) {
      throw new Error('EventStoreDB connection string is empty (set EVENTSTORE_URL)');
    }
    return new EventStoreDbEventStore(
      EventStoreDBClient.connectionString(options.connectionString),
      options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE,
    );
  }

  async appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options: AppendOptions = {},
  ): Promise<AppendResult> {
    const serialized = validateAppend(streamId, events);
    const expected = validateExpectedRevision(options.expectedRevision);
    const ids = events.map((e) => e.id.toLowerCase());
    // The server would refuse it whole (MaximumAppendSizeExceeded): say so before sending it.
    const size = appendSize(events.map((e, i) => ({ type: e.type, ...serialized[i] })));
    if (size > this.maxAppendSize)
      throw new AppendTooLargeError(streamId, size, this.maxAppendSize);
    try {
      const existing = await this.findInStream(streamId, new Set(ids));
      if (existing.found.size === ids.length)
        return this.resultOf(ids.map((id) => existing.found.get(id)!));
      if (existing.found.size > 0) {
        throw new WrongExpectedVersionError(streamId, expected, existing.current ?? 'no_stream');
      }
      const result = await this.client.appendToStream(
        streamId,
        events.map((event, i) =>
          jsonEvent({
            id: ids[i],
            type: event.type,
            data: JSON.parse(serialized[i].data) as Record<string, never>,
            metadata: JSON.parse(serialized[i].metadata) as unknown,
          }),
        ),
        { expectedRevision: expected },
      );
      // Read the batch back: it carries the server's positions and `created` times (and, when the
      // server found the append idempotent, the originally stored events).
      const first = result.nextExpectedRevision - BigInt(ids.length) + 1n;
      const stored = await this.readStreamEvents(streamId, first, ids.length);
      if (stored.length === ids.length && stored.every((e, i) => e.id.toLowerCase() === ids[i])) {
        return this.resultOf(stored);
      }
      const again = await this.findInStream(streamId, new Set(ids));
      return this.resultOf(ids.map((id) => again.found.get(id)!));
    } catch (error) {
      if (error instanceof EsdbWrongExpectedVersionError) {
        throw new WrongExpectedVersionError(streamId, expected, error.actualVersion);
      }
      throw mapError(error, `append to '${streamId}'`, streamId);
    }
  }

  private resultOf(stored: RecordedEvent[]): AppendResult {
    const last = stored[stored.length - 1];
    return { nextExpectedRevision: last.revision, position: last.position, events: stored };
  }

  /** The stream's events whose ids are in `ids`, and the stream's current revision. */
  private async findInStream(
    streamId: string,
    ids: Set<string>,
  ): Promise<{ found: Map<string, RecordedEvent>; current: bigint | undefined }> {
    const found = new Map<string, RecordedEvent>();
    let current: bigint | undefined;
    for await (const event of this.readStream(streamId)) {
      current = event.revision;
      const id = event.id.toLowerCase();
      if (ids.has(id) && !found.has(id)) found.set(id, event);
    }
    return { found, current };
  }

  private async readStreamEvents(streamId: string, from: bigint, count: number) {
    const events: RecordedEvent[] = [];
    if (from < 0n) return events;
    for await (const event of this.readStream(streamId, { fromRevision: from, maxCount: count })) {
      events.push(event);
    }
    return events;
  }

  async *readStream(
    streamId: string,
    options: ReadStreamOptions = {},
  ): AsyncIterable<RecordedEvent> {
    const direction = options.direction ?? 'forwards';
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return;
    const from = options.fromRevision ?? (direction === 'forwards' ? 'start' : 'end');
    const read = this.client.readStream(streamId, {
      direction: direction === 'forwards' ? FORWARDS : BACKWARDS,
      fromRevision: from === 'start' ? START : from === 'end' ? END : from,
      maxCount,
    });
    try {
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        if (resolved.event) yield toRecorded(resolved.event);
      }
    } catch (error) {
      if (error instanceof StreamNotFoundError) return;
      throw mapError(error, `read '${streamId}'`);
    } finally {
      if (!read.readableEnded) await read.cancel().catch(() => undefined);
    }
  }

  async *readAll(options: ReadAllOptions = {}): AsyncIterable<RecordedEvent> {
    const asked = options.fromPosition ?? 'start';
    const from = asked === 'start' ? asked : normalizePosition(asked);
    const maxCount = options.maxCount ?? Number.MAX_SAFE_INTEGER;
    if (maxCount <= 0) return;
    const read = this.client.readAll({
      direction: FORWARDS,
      fromPosition: from === 'start' ? START : decodePosition(from),
      maxCount: Number.MAX_SAFE_INTEGER,
    });
    let yielded = 0;
    try {
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        const event = resolved.event;
        if (!event || isHidden(event)) continue;
        // The server reads forwards from a position inclusively; the port's position is exclusive.
        if (from !== 'start' && encodePosition(event.position) <= from) continue;
        if (!matchesFilter(options.filter, event.streamId, event.type)) continue;
        yield toRecorded(event);
        if (++yielded >= maxCount) return;
      }
    } catch (error) {
      throw mapError(error, 'read $all');
    } finally {
      if (!read.readableEnded) await read.cancel().catch(() => undefined);
    }
  }

  subscribeToAll(options: SubscribeToAllOptions = {}): Subscription {
    return new EventStoreDbSubscription(this.client, options, () => this.rawHead());
  }

  /** Position of the last record of $all, system events included. */
  private async rawHead(): Promise<GlobalPosition | undefined> {
    const read = this.client.readAll({ direction: BACKWARDS, fromPosition: END, maxCount: 1 });
    try {
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        if (resolved.event) return encodePosition(resolved.event.position);
      }
      return undefined;
    } catch (error) {
      throw mapError(error, 'read the head of $all');
    } finally {
      if (!read.readableEnded) await read.cancel().catch(() => undefined);
    }
  }

  async headPosition(): Promise<GlobalPosition | undefined> {
    // The last events of $all can be system events (or checkpoints): read backwards past them.
    const read = this.client.readAll({
      direction: BACKWARDS,
      fromPosition: END,
      maxCount: Number.MAX_SAFE_INTEGER,
    });
    try {
      for await (const resolved of read as AsyncIterable<AllStreamResolvedEvent>) {
        const event = resolved.event;
        if (event && !isHidden(event)) return encodePosition(event.position);
      }
      return undefined;
    } catch (error) {
      throw mapError(error, 'read the head of $all');
    } finally {
      if (!read.readableEnded) await read.cancel().catch(() => undefined);
    }
  }

  async loadCheckpoint(consumerId: string): Promise<GlobalPosition | undefined> {
    const stream = checkpointStream(consumerId);
    for await (const event of this.readStream(stream, { direction: 'backwards', maxCount: 1 })) {
      const position = (event.data as { position?: unknown } | null)?.position;
      if (typeof position === 'string' && /^\d+$/.test(position)) {
        return normalizePosition(BigInt(position));
      }
      throw new Error(`Checkpoint stream '${stream}' holds an unreadable checkpoint`);
    }
    return undefined;
  }

  async saveCheckpoint(consumerId: string, position: GlobalPosition): Promise<void> {
    const stream = checkpointStream(consumerId);
    if (typeof position !== 'bigint' || position < 0n) {
      throw new RangeError(`Checkpoint position must be a non-negative bigint`);
    }
    try {
      const result = await this.client.appendToStream(
        stream,
        jsonEvent({
          type: CHECKPOINT_EVENT_TYPE,
          data: { consumerId, position: position.toString() },
        }),
      );
      if (result.nextExpectedRevision === 0n) {
        // First checkpoint of this consumer: let the server truncate old ones.
        await this.client.setStreamMetadata(stream, { maxCount: CHECKPOINTS_KEPT });
      }
    } catch (error) {
      throw mapError(error, `save checkpoint of '${consumerId}'`);
    }
  }

  async health(): Promise<StoreHealth> {
    try {
      const read = this.client.readAll({
        direction: BACKWARDS,
        fromPosition: END,
        maxCount: 1,
        deadline: 5_000,
      });
      for await (const _event of read as AsyncIterable<unknown>) break;
      if (!read.readableEnded) await read.cancel().catch(() => undefined);
      return { store: 'eventstoredb', reachable: true };
    } catch (error) {
      return { store: 'eventstoredb', reachable: false, detail: (error as Error).message };
    }
  }

  async close(): Promise<void> {
    await this.client.dispose();
  }
}

function checkpointStream(consumerId: string): string {
  if (typeof consumerId !== 'string' || consumerId.trim() === '') {
    throw new RangeError('Consumer id must be a non-empty string');
  }
  return `${CHECKPOINT_CATEGORY}-${consumerId}`;
}
