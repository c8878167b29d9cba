/**
 * The EventStore port. Semantics follow EventStoreDB: streams named `{category}-{id}`, atomic
 * appends guarded by an expected revision, idempotency by event id, a global order over all
 * streams, and catch-up subscriptions that move from history into live delivery.
 */

/** Revision of an event inside its stream: 0-based, contiguous. */
export type StreamRevision = bigint;

/** Position of an event in the global order over all streams (strictly increasing). */
export type GlobalPosition = bigint;

export type ExpectedRevision = 'any' | 'no_stream' | 'stream_exists' | StreamRevision;

export interface EventMetadata {
  correlationId?: string;
  causationId?: string;
  actor?: string;
  schemaVersion: number;
  /** Further keys are allowed (command id, request digest, hash chain links, ...). */
  [key: string]: unknown;
}

export type JsonValue =
  string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue | undefined };

export interface EventToAppend<Data = unknown> {
  /** UUID. Appending an id already present in the stream is a no-op. */
  id: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
}

export interface RecordedEvent<Data = unknown> {
  id: string;
  type: string;
  data: Data;
  metadata: EventMetadata;
  streamId: string;
  revision: StreamRevision;
  position: GlobalPosition;
  recordedAt: Date;
}

export interface AppendOptions {
  /** Defaults to 'any'. */
  expectedRevision?: ExpectedRevision;
}

export interface AppendResult {
  /** Revision of the last event of the batch (the stream's revision after the append). */
  nextExpectedRevision: StreamRevision;
  /** Global position of the last event of the batch. */
  position: GlobalPosition;
  /** The events as stored, in order (for an idempotent re-append: the originally stored ones). */
  events: RecordedEvent[];
  /**
   * True when every event was already in the stream and nothing was written (an idempotent
   * re-append); false when this call wrote them. Absent where the store cannot tell (EventStoreDB
   * answers both alike).
   */
  alreadyStored?: boolean;
}

export interface ReadStreamOptions {
  /** Defaults to 'forwards'. */
  direction?: 'forwards' | 'backwards';
  /** Inclusive. Defaults to 'start' forwards and 'end' backwards. */
  fromRevision?: 'start' | 'end' | StreamRevision;
  /** Defaults to unlimited. */
  maxCount?: number;
}

/** Both parts are optional; when both are given an event must match both. */
export interface AllFilter {
  /** Stream categories: the part of the stream id before the first '-'. */
  categories?: string[];
  /** Event type prefixes, e.g. 'Complaint' or 'WarrantyClaimDecided'. */
  eventTypePrefixes?: string[];
}

export interface ReadAllOptions {
  /** Exclusive: events strictly after this position. Defaults to 'start'. */
  fromPosition?: 'start' | GlobalPosition;
  /** Defaults to unlimited. */
  maxCount?: number;
  filter?: AllFilter;
}

export interface SubscribeToAllOptions {
  /** Exclusive position to start after, 'start' for all history, 'end' for live events only. */
  from?: 'start' | 'end' | GlobalPosition;
  filter?: AllFilter;
}

export type SubscriptionMessage =
  | { kind: 'event'; event: RecordedEvent }
  /** Emitted once, when the subscription has delivered all history that existed when it caught up. */
  | { kind: 'caughtUp'; position: GlobalPosition | undefined }
  /**
   * After it caught up: the subscription has looked at every event up to `position` and
   * delivered those its filter admits, though the last of them was not one (a filtered
   * subscription scanning past events it leaves out). A consumer waiting for a position learns
   * it has nothing left to handle up to there. Like EventStoreDB's checkpoints, it may be sent
   * or not; an adapter that never sends it is correct.
   */
  | { kind: 'checkpoint'; position: GlobalPosition };

/**
 * A catch-up subscription. Iterating pulls messages (back-pressure: nothing is buffered without
 * bound while the consumer is slow). `close()` ends the iteration.
 */
export interface Subscription extends AsyncIterable<SubscriptionMessage> {
  close(): Promise<void>;
}

export interface StoreHealth {
  store: StoreKind;
  reachable: boolean;
  detail?: string;
}

export type StoreKind = 'sqlite' | 'postgres' | 'eventstoredb';

export interface EventStore {
  readonly kind: StoreKind;

  appendToStream(
    streamId: string,
    events: readonly EventToAppend[],
    options?: AppendOptions,
  ): Promise<AppendResult>;

  /** A stream that does not exist reads as empty. */
  readStream(streamId: string, options?: ReadStreamOptions): AsyncIterable<RecordedEvent>;

  readAll(options?: ReadAllOptions): AsyncIterable<RecordedEvent>;

  subscribeToAll(options?: SubscribeToAllOptions): Subscription;

  /** Position of the last event in the global order, or undefined for an empty store. */
  headPosition(): Promise<GlobalPosition | undefined>;

  /**
   * True when `headPosition` already covers every append acknowledged to any writer of this
   * store (one database every instance writes and reads): a position above it was never given
   * to anyone. Unset where a read may lag acknowledged writes (a follower of a cluster).
   */
  readonly headCoversAcknowledged?: boolean;

  /** Durable consumer checkpoints. */
  loadCheckpoint(consumerId: string): Promise<GlobalPosition | undefined>;
  saveCheckpoint(consumerId: string, position: GlobalPosition): Promise<void>;

  health(): Promise<StoreHealth>;
  close(): Promise<void>;
}
