/**
 * The PersistentSubscriptions service of the EventStoreDB/KurrentDB protocol test server
 * ("competing consumers"), for subscription groups on $all and on one stream.
 *
 * Semantics follow KurrentDB's source (src/KurrentDB.Core/Services/Transport/Grpc/
 * PersistentSubscriptions.{Create,Delete,Read,ReplayParked}.cs, RpcExceptions.cs,
 * Services/PersistentSubscription/{PersistentSubscription,PersistentSubscriptionService,
 * StreamBuffer,OutstandingMessage,PersistentSubscriptionClient}.cs and ConsumerStrategy/*):
 *
 * - Create: `$all::group` must not exist (ALREADY_EXISTS, `persistent-subscription-exists`); a start
 *   position must have prepare <= commit and commit <= the last position of the log, else the
 *   create fails (INTERNAL, `persistent-subscription-failed`). Start is inclusive: the event at
 *   the start position is delivered; `end` means the events appended after the group is created.
 *   A stream-name or event-type filter (prefixes or regex) drops events at the source.
 * - Read (bidirectional): the first request carries the options; an unknown group is NOT_FOUND
 *   (`persistent-subscription-does-not-exist`), a full group FAILED_PRECONDITION
 *   (`maximum-subscribers-reached`). The server confirms with the subscription id `$all::group`,
 *   then pushes events, each with its retry count, to consumers with free slots (a consumer's
 *   slots are the buffer size it asked for; an ack or nack frees one).
 * - Messages waiting to be pushed: retries first (ordered by position; replayed parked messages
 *   at the end), then new events read from the log into a bounded buffer (historyBufferSize).
 * - Ack(ids): the ids are done, whichever consumer holds them. Nack(ids, action): retry (or
 *   unknown) puts the message back for redelivery with retry count + 1, or parks it when its
 *   retry count has reached maxRetryCount; park parks it; skip forgets it; stop does nothing.
 * - A message not acked within messageTimeout is retried the same way (or parked), checked on a
 *   timer tick (1 s on the server; `persistentSubscriptionTickMs` here). A timeout of 0 expires
 *   at the next tick, as on the server.
 * - A consumer that goes away (cancel, end) has its unacked messages retried (retry count + 1).
 * - Parking writes a `$>` link (`{revision}@{stream}`) to `$persistentsubscription-$all::group-parked`
 *   and keeps the message; ReplayParked (optionally up to `stopAt` parked messages) puts parked
 *   messages back at the end of the retry queue with retry count 0.
 * - Consumer strategies: RoundRobin (rotate through consumers with free slots), DispatchToSingle
 *   (the first consumer until it is full, then the next), Pinned (xxHash32, seed 0xc58f1a7b, of
 *   the stream id's UTF-16 code units, modulo 1024 buckets; a bucket is assigned to the connected
 *   consumer with the fewest buckets and stays there; when that consumer is full, the message
 *   waits in the retry queue, in order, instead of going elsewhere; a joining consumer takes
 *   buckets from the others to balance them; a leaving consumer's buckets are reassigned).
 * - Delete: NOT_FOUND when unknown; otherwise connected consumers are dropped (CANCELLED,
 *   `persistent-subscription-dropped`) and the group, its buffer and parked messages are gone.
 *
 * - Groups on one stream (key `<stream>::<group>`, as the server's): the same behaviour over the
 *   stream's events, from its start, a revision (inclusive) or its end; the 6.2.1 client sends
 *   the deprecated stream_identifier and settings.revision (2^64 - 1 for the end), newer ones
 *   the stream options; both are read.
 * - Update (PersistentSubscriptions.Update.cs): NOT_FOUND when unknown; new settings apply and
 *   connected consumers are dropped (the server restarts the group), position and parked
 *   messages are kept.
 * - GetInfo and List (PersistentSubscriptions.Info.cs): settings, status `Live`, connections with
 *   their in-flight counts, and the counts of buffered, retried, outstanding and parked
 *   messages; List for $all, for one stream, or for every group; NOT_FOUND for an unknown group
 *   (and for List of a stream without groups, as the server answers).
 *
 * Not implemented: RestartSubsystem, checkpoints (state lives in memory for the server's
 * lifetime), link resolution, rate statistics (reported as 0).
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { PersistentSubscriptionsService } from '@eventstore/db-client/generated/persistent_grpc_pb';
import {
  CreateReq,
  CreateResp,
  DeleteReq,
  DeleteResp,
  GetInfoReq,
  GetInfoResp,
  ListReq,
  ListResp,
  ReadReq,
  ReadResp,
  ReplayParkedReq,
  ReplayParkedResp,
  SubscriptionInfo,
  UpdateReq,
  UpdateResp,
} from '@eventstore/db-client/generated/persistent_pb';
import type { StreamIdentifier } from '@eventstore/db-client/generated/shared_pb';
import {
  invalidArgument,
  parseUuid,
  streamIdentifier,
  toUuid,
  unimplemented,
  type InMemoryLog,
  type StoredEvent,
} from './esdb-test-server';

export const PERSISTENT_SERVICE =
  'event_store.client.persistent_subscriptions.persistentsubscriptions';
/** The methods this test server serves (advertised through ServerFeatures with 'stream', 'all'). */
export const PERSISTENT_METHODS = [
  'create',
  'update',
  'delete',
  'read',
  'replayparked',
  'getinfo',
  'list',
];

const ALL = '$all';
const EXPECTED_ANY = -2n;
const PINNED_BUCKETS = 1024;
const PINNED_SEED = 0xc58f1a7b;

type ConsumerStrategyName = 'DispatchToSingle' | 'RoundRobin' | 'Pinned';
type PushResult = 'sent' | 'skipped' | 'noCapacity';

interface Message {
  event: StoredEvent;
  retryCount: number;
  /** A parked message being replayed (it goes to the end of the retry queue). */
  replayed: boolean;
}

interface GroupSettings {
  /** As GetInfo reports it: a revision, or a position `C:<commit>/P:<prepare>`; -1 for the end. */
  startFrom: string;
  /** Settings the server keeps and reports but that change nothing here (no checkpoints, no live/read batching). */
  reported: {
    resolveLinks: boolean;
    extraStatistics: boolean;
    checkpointAfterMs: number;
    minCheckpointCount: number;
    maxCheckpointCount: number;
    liveBufferSize: number;
    readBatchSize: number;
  };
  maxRetryCount: number;
  messageTimeoutMs: number;
  maxSubscriberCount: number;
  bufferSize: number;
  strategy: ConsumerStrategyName;
  matches: (event: StoredEvent) => boolean;
}

type ReadCall = grpc.ServerDuplexStream<ReadReq, ReadResp>;

class Consumer {
  readonly id = randomUUID();
  readonly unconfirmed = new Map<string, Message>();

  constructor(
    readonly call: ReadCall,
    readonly maxInFlight: number,
    readonly structuredIds: boolean,
  ) {}

  get freeSlots(): number {
    return this.maxInFlight - this.unconfirmed.size;
  }

  push(message: Message): boolean {
    if (this.freeSlots <= 0) return false;
    if (!this.call.cancelled) {
      this.call.write(new ReadResp().setEvent(readEvent(message, this.structuredIds)));
    }
    if (!this.unconfirmed.has(message.event.id)) this.unconfirmed.set(message.event.id, message);
    return true;
  }
}

interface ConsumerStrategy {
  added(consumer: Consumer): void;
  removed(consumer: Consumer): void;
  push(message: Message): PushResult;
  /** A message held by `consumer` was acked, nacked, timed out or taken back. */
  confirmed(consumer: Consumer, message: Message): void;
}

class RoundRobin implements ConsumerStrategy {
  protected queue: Consumer[] = [];
  added(consumer: Consumer) {
    this.queue.push(consumer);
  }
  removed(consumer: Consumer) {
    this.queue = this.queue.filter((c) => c !== consumer);
  }
  push(message: Message): PushResult {
    for (let i = 0; i < this.queue.length; i++) {
      const consumer = this.queue.shift()!;
      this.queue.push(consumer);
      if (consumer.push(message)) return 'sent';
    }
    return 'noCapacity';
  }
  confirmed() {}
}

class DispatchToSingle extends RoundRobin {
  override push(message: Message): PushResult {
    for (let i = 0; i < this.queue.length; i++) {
      if (this.queue[0].push(message)) return 'sent';
      this.queue.push(this.queue.shift()!);
    }
    return 'noCapacity';
  }
}

interface PinnedNode {
  consumer: Consumer;
  connected: boolean;
  assignments: number;
}

interface Bucket {
  state: 'unassigned' | 'assigned' | 'disconnected';
  node?: PinnedNode;
  inFlight: number;
}

class Pinned implements ConsumerStrategy {
  private readonly buckets: Bucket[] = Array.from({ length: PINNED_BUCKETS }, () => ({
    state: 'unassigned' as const,
    inFlight: 0,
  }));
  private nodes: PinnedNode[] = [];
  private assigned = 0;

  added(consumer: Consumer) {
    const node: PinnedNode = { consumer, connected: true, assignments: 0 };
    this.nodes.push(node);
    const connected = this.nodes.filter((n) => n.connected).length;
    const balanced = Math.ceil(this.assigned / connected);
    const moves: number[] = [];
    for (const other of this.nodes) {
      if (other === node || !other.connected || other.assignments <= balanced) continue;
      const owned = this.buckets
        .map((bucket, index) => ({ bucket, index }))
        .filter(({ bucket }) => bucket.node === other && bucket.state === 'assigned')
        .sort((a, b) => a.bucket.inFlight - b.bucket.inFlight)
        .slice(0, other.assignments - balanced);
      moves.push(...owned.map(({ index }) => index));
    }
    for (const index of moves) this.assign(index, node);
    this.nodes = this.nodes.filter((n) => n.connected || n.assignments > 0);
  }

  removed(consumer: Consumer) {
    const node = this.nodes.find((n) => n.consumer === consumer);
    if (!node) return;
    node.connected = false;
    this.assigned -= node.assignments;
    for (const bucket of this.buckets) {
      if (bucket.node === node) {
        bucket.state = 'disconnected';
        bucket.inFlight = 0;
      }
    }
  }

  push(message: Message): PushResult {
    const free = this.nodes
      .filter((n) => n.connected)
      .reduce((sum, n) => sum + Math.max(0, n.consumer.freeSlots), 0);
    if (free === 0) return 'noCapacity';
    const index = bucketOf(message.event.streamId);
    const bucket = this.buckets[index];
    if (bucket.state !== 'assigned') {
      const least = this.nodes
        .filter((n) => n.connected)
        .reduce((a, b) => (b.assignments < a.assignments ? b : a));
      this.assign(index, least);
    }
    if (!bucket.node!.consumer.push(message)) return 'skipped';
    bucket.inFlight++;
    return 'sent';
  }

  confirmed(consumer: Consumer, message: Message) {
    const bucket = this.buckets[bucketOf(message.event.streamId)];
    if (bucket.node?.consumer === consumer) bucket.inFlight--;
  }

  private assign(index: number, node: PinnedNode) {
    const bucket = this.buckets[index];
    if (bucket.state !== 'assigned') this.assigned++;
    if (bucket.state !== 'unassigned' && bucket.node) bucket.node.assignments--;
    bucket.state = 'assigned';
    bucket.node = node;
    node.assignments++;
  }
}

/** xxHash32 of the stream id's UTF-16LE code units with the server's seed, modulo the buckets. */
export function bucketOf(streamId: string): number {
  return xxHash32(Buffer.from(streamId, 'utf16le'), PINNED_SEED) % PINNED_BUCKETS;
}

export function xxHash32(input: Uint8Array, seed: number): number {
  const P1 = 2654435761;
  const P2 = 2246822519;
  const P3 = 3266489917;
  const P4 = 668265263;
  const P5 = 374761393;
  const rotl = (x: number, r: number) => ((x << r) | (x >>> (32 - r))) >>> 0;
  const word = (i: number) =>
    (input[i] | (input[i + 1] << 8) | (input[i + 2] << 16) | (input[i + 3] << 24)) >>> 0;
  const round = (acc: number, lane: number) =>
    Math.imul(rotl((acc + Math.imul(lane, P2)) >>> 0, 13), P1) >>> 0;
  const length = input.length;
  let i = 0;
  let hash: number;
  if (length >= 16) {
    let v1 = (seed + P1 + P2) >>> 0;
    let v2 = (seed + P2) >>> 0;
    let v3 = seed >>> 0;
    let v4 = (seed - P1) >>> 0;
    for (; i <= length - 16; i += 16) {
      v1 = round(v1, word(i));
      v2 = round(v2, word(i + 4));
      v3 = round(v3, word(i + 8));
      v4 = round(v4, word(i + 12));
    }
    hash = (rotl(v1, 1) + rotl(v2, 7) + rotl(v3, 12) + rotl(v4, 18)) >>> 0;
  } else {
    hash = (seed + P5) >>> 0;
  }
  hash = (hash + length) >>> 0;
  for (; i + 4 <= length; i += 4) {
    hash = Math.imul(rotl((hash + Math.imul(word(i), P3)) >>> 0, 17), P4) >>> 0;
  }
  for (; i < length; i++) {
    hash = Math.imul(rotl((hash + Math.imul(input[i], P5)) >>> 0, 11), P1) >>> 0;
  }
  hash = Math.imul(hash ^ (hash >>> 15), P2) >>> 0;
  hash = Math.imul(hash ^ (hash >>> 13), P3) >>> 0;
  return (hash ^ (hash >>> 16)) >>> 0;
}

function readEvent(message: Message, structuredIds: boolean): ReadResp.ReadEvent {
  const event = message.event;
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(toUuid(event.id, structuredIds));
  recorded.setStreamIdentifier(streamIdentifier(event.streamId));
  recorded.setStreamRevision(event.revision.toString());
  recorded.setCommitPosition(event.commit.toString());
  recorded.setPreparePosition(event.prepare.toString());
  const map = recorded.getMetadataMap();
  map.set('type', event.type);
  map.set('content-type', event.contentType);
  map.set('created', event.created.toString());
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.metadata);
  const result = new ReadResp.ReadEvent();
  result.setEvent(recorded);
  result.setCommitPosition(event.commit.toString());
  result.setRetryCount(message.retryCount);
  return result;
}

function comparePositions(a: StoredEvent, b: StoredEvent): number {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** An RpcException as KurrentDB's RpcExceptions builds them: status plus `exception` metadata. */
function rpcError(
  code: grpc.status,
  details: string,
  exception: string,
  extra: Record<string, string> = {},
): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', exception);
  for (const [key, value] of Object.entries(extra)) metadata.set(key, value);
  return Object.assign(new Error(details), { code, details, metadata });
}

const doesNotExist = (group: string, source = ALL) =>
  rpcError(
    grpc.status.NOT_FOUND,
    `Subscription group ${group} on stream ${source} does not exist.`,
    'persistent-subscription-does-not-exist',
    { 'stream-name': source, 'group-name': group },
  );

class SubscriptionGroup {
  private cursor: number;
  private readonly buffer: Message[] = [];
  private readonly retry: Message[] = [];
  private readonly outstanding = new Map<string, { message: Message; expires: number }>();
  private readonly parked: Message[] = [];
  readonly consumers: Consumer[] = [];
  private strategy: ConsumerStrategy;
  private pushScheduled = false;
  private deleted = false;

  constructor(
    readonly name: string,
    /** '$all' or the stream the group reads. */
    readonly source: string,
    private readonly log: InMemoryLog,
    private settings: GroupSettings,
    startIndex: number,
  ) {
    this.cursor = startIndex;
    this.strategy = strategyFor(settings.strategy);
  }

  /** Update: new settings; the consumers are dropped and reconnect, as the server restarts it. */
  update(settings: Omit<GroupSettings, 'matches'>) {
    this.settings = { ...settings, matches: this.settings.matches };
    this.strategy = strategyFor(settings.strategy);
    this.dropConsumers();
    this.deleted = false;
  }

  info(): SubscriptionInfo {
    const s = this.settings;
    const inFlight = this.consumers.reduce((n, c) => n + c.unconfirmed.size, 0);
    const last = [...this.log.all].reverse().find((e) => this.settings.matches(e));
    const info = new SubscriptionInfo()
      .setEventSource(this.source)
      .setGroupName(this.name)
      .setStatus('Live')
      .setConnectionsList(
        this.consumers.map((c) =>
          new SubscriptionInfo.ConnectionInfo()
            .setFrom('127.0.0.1')
            .setUsername('admin')
            .setTotalItems('0')
            .setCountSinceLastMeasurement('0')
            .setAvailableSlots(c.freeSlots)
            .setInFlightMessages(c.unconfirmed.size)
            .setConnectionName(c.id),
        ),
      )
      .setTotalItems('0')
      .setCountSinceLastMeasurement('0')
      .setLastCheckpointedEventPosition('')
      .setLastKnownEventPosition(
        !last
          ? ''
          : this.source === ALL
            ? `C:${last.commit}/P:${last.prepare}`
            : `${last.revision}`,
      )
      .setStartFrom(s.startFrom)
      .setResolveLinkTos(s.reported.resolveLinks)
      .setExtraStatistics(s.reported.extraStatistics)
      .setCheckPointAfterMilliseconds(s.reported.checkpointAfterMs)
      .setMinCheckPointCount(s.reported.minCheckpointCount)
      .setMaxCheckPointCount(s.reported.maxCheckpointCount)
      .setLiveBufferSize(s.reported.liveBufferSize)
      .setReadBatchSize(s.reported.readBatchSize)
      .setMessageTimeoutMilliseconds(s.messageTimeoutMs)
      .setMaxRetryCount(s.maxRetryCount)
      .setBufferSize(s.bufferSize)
      .setNamedConsumerStrategy(s.strategy)
      .setMaxSubscriberCount(s.maxSubscriberCount)
      .setReadBufferCount(this.buffer.length)
      .setLiveBufferCount('0')
      .setRetryBufferCount(this.retry.length)
      .setTotalInFlightMessages(inFlight)
      .setOutstandingMessagesCount(this.outstanding.size)
      .setParkedMessageCount(String(this.parked.length));
    return info;
  }

  get full(): boolean {
    return (
      this.settings.maxSubscriberCount > 0 &&
      this.consumers.length >= this.settings.maxSubscriberCount
    );
  }

  addConsumer(consumer: Consumer) {
    this.consumers.push(consumer);
    this.strategy.added(consumer);
    this.schedulePush();
  }

  removeConsumer(consumer: Consumer) {
    const index = this.consumers.indexOf(consumer);
    if (index < 0) return;
    this.consumers.splice(index, 1);
    this.strategy.removed(consumer);
    const lost = [...consumer.unconfirmed.values()].sort((a, b) =>
      comparePositions(a.event, b.event),
    );
    consumer.unconfirmed.clear();
    for (const message of lost) {
      if (this.outstanding.has(message.event.id)) this.retryMessage(message);
    }
    this.schedulePush();
  }

  ack(ids: string[]) {
    for (const id of ids) {
      this.removeFromProcessing(id);
      this.outstanding.delete(id);
    }
    this.schedulePush();
  }

  nack(ids: string[], action: ReadReq.Nack.Action, reason: string) {
    const A = ReadReq.Nack.Action;
    for (const id of ids) {
      const entry = this.outstanding.get(id);
      switch (action) {
        case A.RETRY:
        case A.UNKNOWN:
          if (entry && !this.parkIfExhausted(entry.message)) this.retryMessage(entry.message);
          break;
        case A.PARK:
          if (entry) this.park(entry.message, `Client explicitly NAK'ed message.\n${reason}`);
          break;
        case A.STOP:
          break;
        default:
          this.outstanding.delete(id);
      }
      this.removeFromProcessing(id);
      this.outstanding.delete(id);
    }
    this.schedulePush();
  }

  replayParked(stopAt: number | undefined) {
    const count = stopAt === undefined ? this.parked.length : Math.min(stopAt, this.parked.length);
    for (const message of this.parked.splice(0, count)) {
      this.retry.push({ event: message.event, retryCount: 0, replayed: true });
    }
    this.schedulePush();
  }

  tick(now: number) {
    const expired = [...this.outstanding.values()]
      .filter((entry) => entry.expires <= now)
      .sort((a, b) => a.expires - b.expires);
    for (const { message } of expired) {
      if (!this.parkIfExhausted(message)) this.retryMessage(message);
    }
    if (expired.length) this.schedulePush();
  }

  delete() {
    this.deleted = true;
    this.dropConsumers();
  }

  private dropConsumers() {
    for (const consumer of [...this.consumers]) {
      consumer.call.emit(
        'error',
        rpcError(
          grpc.status.CANCELLED,
          `Subscription group ${this.name} on stream ${this.source} was dropped.`,
          'persistent-subscription-dropped',
          { 'stream-name': this.source, 'group-name': this.name },
        ),
      );
      // Its unacked messages go back for redelivery, as when a consumer leaves.
      this.removeConsumer(consumer);
    }
    this.consumers.length = 0;
  }

  schedulePush() {
    if (this.pushScheduled || this.deleted) return;
    this.pushScheduled = true;
    setImmediate(() => {
      this.pushScheduled = false;
      if (!this.deleted) this.push();
    });
  }

  private push() {
    if (this.consumers.length === 0) return;
    for (;;) {
      this.fill();
      let sent = 0;
      for (const list of [this.retry, this.buffer]) {
        let i = 0;
        while (i < list.length) {
          const message = list[i];
          const result = this.strategy.push(message);
          if (result === 'noCapacity') return;
          if (result === 'sent') {
            list.splice(i, 1);
            this.start(message);
            sent++;
          } else if (list === this.buffer) {
            // Its consumer is busy: the message waits at the end of the retry queue, in order.
            list.splice(i, 1);
            this.retry.push(message);
          } else {
            i++;
          }
        }
      }
      if (sent === 0 || this.cursor >= this.log.all.length) return;
    }
  }

  /** Reads new events from the log into the buffer, dropping those the filter rejects. */
  private fill() {
    while (
      this.buffer.length + this.retry.length < this.settings.bufferSize &&
      this.cursor < this.log.all.length
    ) {
      const event = this.log.all[this.cursor++];
      if (this.settings.matches(event)) this.buffer.push({ event, retryCount: 0, replayed: false });
    }
  }

  private start(message: Message) {
    if (this.outstanding.has(message.event.id)) return; // a duplicate id is not tracked twice
    const timeout = this.settings.messageTimeoutMs;
    this.outstanding.set(message.event.id, { message, expires: Date.now() + timeout });
  }

  private removeFromProcessing(id: string) {
    for (const consumer of this.consumers) {
      const message = consumer.unconfirmed.get(id);
      if (!message) continue;
      consumer.unconfirmed.delete(id);
      this.strategy.confirmed(consumer, message);
    }
  }

  private parkIfExhausted(message: Message): boolean {
    if (message.retryCount < this.settings.maxRetryCount) return false;
    this.park(message, `Reached retry count of ${this.settings.maxRetryCount}`);
    return true;
  }

  private retryMessage(message: Message) {
    this.outstanding.delete(message.event.id);
    this.removeFromProcessing(message.event.id);
    const retried: Message = { ...message, retryCount: message.retryCount + 1 };
    if (retried.replayed) {
      this.retry.push(retried);
      return;
    }
    const before = this.retry.findIndex(
      (m) => !m.replayed && comparePositions(retried.event, m.event) < 0,
    );
    if (before < 0) this.retry.push(retried);
    else this.retry.splice(before, 0, retried);
  }

  private park(message: Message, reason: string) {
    this.outstanding.delete(message.event.id);
    this.removeFromProcessing(message.event.id);
    this.parked.push(message);
    const event = message.event;
    this.log.append(`$persistentsubscription-${this.source}::${this.name}-parked`, EXPECTED_ANY, [
      {
        id: randomUUID(),
        type: '$>',
        contentType: 'application/octet-stream',
        data: Buffer.from(`${event.revision}@${event.streamId}`, 'utf8'),
        metadata: Buffer.from(
          JSON.stringify({
            Added: new Date().toISOString(),
            Reason: reason,
            SubscriptionEventNumber: Number(event.revision),
          }),
          'utf8',
        ),
      },
    ]);
  }
}

function matcherOf(options: CreateReq.AllOptions): (event: StoredEvent) => boolean {
  if (!options.hasFilter()) return () => true;
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression)
    throw invalidArgument('Filter has neither a stream nor an event type expression');
  const regex = expression.getRegex();
  const prefixes = expression.getPrefixList();
  const pattern = regex ? new RegExp(regex) : undefined;
  const test = (value: string) =>
    pattern ? pattern.test(value) : prefixes.some((p) => value.startsWith(p));
  return onStream ? (e) => test(e.streamId) : (e) => test(e.type);
}

function strategyOf(settings: CreateReq.Settings | UpdateReq.Settings): ConsumerStrategyName {
  // CreateReq and UpdateReq number their strategies alike.
  switch (settings.getNamedConsumerStrategy() as number) {
    case CreateReq.ConsumerStrategy.DISPATCHTOSINGLE:
      return 'DispatchToSingle';
    case CreateReq.ConsumerStrategy.PINNED:
      return 'Pinned';
    default:
      return 'RoundRobin';
  }
}

function strategyFor(name: ConsumerStrategyName): ConsumerStrategy {
  return name === 'Pinned'
    ? new Pinned()
    : name === 'DispatchToSingle'
      ? new DispatchToSingle()
      : new RoundRobin();
}

/** The settings both Create and Update carry. */
function settingsOf(
  settings: CreateReq.Settings | UpdateReq.Settings,
  startFrom: string,
): Omit<GroupSettings, 'matches'> {
  const timeoutMs = settings.hasMessageTimeoutMs()
    ? settings.getMessageTimeoutMs()
    : settings.hasMessageTimeoutTicks()
      ? Number(BigInt(settings.getMessageTimeoutTicks()) / 10_000n)
      : 0;
  const checkpointAfterMs = settings.hasCheckpointAfterMs()
    ? settings.getCheckpointAfterMs()
    : settings.hasCheckpointAfterTicks()
      ? Number(BigInt(settings.getCheckpointAfterTicks()) / 10_000n)
      : 0;
  return {
    startFrom,
    reported: {
      resolveLinks: settings.getResolveLinks(),
      extraStatistics: settings.getExtraStatistics(),
      checkpointAfterMs,
      minCheckpointCount: settings.getMinCheckpointCount(),
      maxCheckpointCount: settings.getMaxCheckpointCount(),
      liveBufferSize: settings.getLiveBufferSize(),
      readBatchSize: settings.getReadBatchSize(),
    },
    maxRetryCount: settings.getMaxRetryCount(),
    messageTimeoutMs: timeoutMs,
    maxSubscriberCount: settings.getMaxSubscriberCount(),
    bufferSize: Math.max(settings.getHistoryBufferSize(), 1),
    strategy: strategyOf(settings),
  };
}

const UINT64_MAX = (1n << 64n) - 1n;

/**
 * Where a group on one stream starts: newer clients send stream options (start, end, revision),
 * 6.2.1 the deprecated stream_identifier and settings.revision (2^64 - 1 meaning the end).
 */
function streamStart(
  options: CreateReq.Options | UpdateReq.Options,
  settings: CreateReq.Settings | UpdateReq.Settings,
  log: InMemoryLog,
): { stream: string; from: bigint; startFrom: string } {
  const streamOptions = options.hasStream() ? options.getStream()! : undefined;
  const identifier: StreamIdentifier | undefined =
    streamOptions?.getStreamIdentifier() ?? options.getStreamIdentifier();
  if (!identifier) throw invalidArgument('Stream identifier is missing');
  const stream = Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
  const next = BigInt(log.stream(stream)?.length ?? 0);
  let revision: bigint;
  if (streamOptions?.hasStart()) revision = 0n;
  else if (streamOptions?.hasEnd()) revision = UINT64_MAX;
  else revision = BigInt(streamOptions ? streamOptions.getRevision() : settings.getRevision());
  if (revision === UINT64_MAX) return { stream, from: next, startFrom: '-1' };
  return { stream, from: revision, startFrom: revision.toString() };
}

/** Groups are keyed as the server names them: `<stream>::<group>`, the stream being $all or one stream. */
function keyOf(source: string, group: string): string {
  return `${source}::${group}`;
}

/** The stream a request's options name: $all, or the stream identifier. */
function sourceOf(options: {
  hasAll(): boolean;
  getStreamIdentifier(): StreamIdentifier | undefined;
}): string {
  if (options.hasAll()) return ALL;
  const identifier = options.getStreamIdentifier();
  if (!identifier) throw invalidArgument('Stream identifier is missing');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export interface PersistentSubscriptionsHandle {
  stop(): void;
}

export function addPersistentSubscriptionsService(
  server: grpc.Server,
  log: InMemoryLog,
  options: { tickMs?: number } = {},
): PersistentSubscriptionsHandle {
  const groups = new Map<string, SubscriptionGroup>();
  const calls = new Set<ReadCall>();
  log.onAppend(() => {
    for (const group of groups.values()) group.schedulePush();
  });
  const timer = setInterval(() => {
    const now = Date.now();
    for (const group of groups.values()) group.tick(now);
  }, options.tickMs ?? 1000);
  timer.unref();

  server.addService(PersistentSubscriptionsService, {
    create(
      call: grpc.ServerUnaryCall<CreateReq, CreateResp>,
      callback: grpc.sendUnaryData<CreateResp>,
    ) {
      try {
        const request = call.request.getOptions();
        if (!request) throw invalidArgument('Create options are missing');
        const name = request.getGroupName();
        const settings = request.getSettings() ?? new CreateReq.Settings();
        const onStream = request.hasAll() ? undefined : streamStart(request, settings, log);
        const source = onStream?.stream ?? ALL;
        if (groups.has(keyOf(source, name))) {
          throw rpcError(
            grpc.status.ALREADY_EXISTS,
            `Subscription group ${name} on stream ${source} exists.`,
            'persistent-subscription-exists',
            { 'stream-name': source, 'group-name': name },
          );
        }
        if (onStream) {
          const { stream, from, startFrom } = onStream;
          groups.set(
            keyOf(stream, name),
            new SubscriptionGroup(
              name,
              stream,
              log,
              {
                ...settingsOf(settings, startFrom),
                matches: (e) =>
                  e.streamId === stream &&
                  e.revision >= from &&
                  !e.type.startsWith('$streamDeleted'),
              },
              0,
            ),
          );
          callback(null, new CreateResp());
          return;
        }
        const all = request.getAll()!;
        let startIndex: number;
        if (all.hasStart()) startIndex = 0;
        else if (all.hasEnd()) startIndex = log.all.length;
        else {
          const p = all.getPosition()!;
          const commit = BigInt(p.getCommitPosition());
          const prepare = BigInt(p.getPreparePosition());
          const last = log.all[log.all.length - 1];
          const failure =
            prepare > commit
              ? 'Invalid Start From position: prepare position must be less than or equal to the commit position.'
              : commit > (last?.commit ?? 0n)
                ? 'Invalid Start From position: commit position must be less than or equal to the last commit position in the transaction file.'
                : undefined;
          if (failure) {
            throw rpcError(
              grpc.status.INTERNAL,
              `Subscription group ${name} on stream ${ALL} failed: '${failure}'`,
              'persistent-subscription-failed',
              { 'stream-name': ALL, 'group-name': name, reason: failure },
            );
          }
          startIndex = log.indexFrom({ commit, prepare }, false);
        }
        const startFrom = all.hasStart()
          ? 'C:0/P:0'
          : all.hasEnd()
            ? 'C:-1/P:-1'
            : `C:${all.getPosition()!.getCommitPosition()}/P:${all.getPosition()!.getPreparePosition()}`;
        groups.set(
          keyOf(ALL, name),
          new SubscriptionGroup(
            name,
            ALL,
            log,
            { ...settingsOf(settings, startFrom), matches: matcherOf(all) },
            startIndex,
          ),
        );
        callback(null, new CreateResp());
      } catch (error) {
        callback(error as grpc.ServiceError);
      }
    },

    delete(
      call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>,
      callback: grpc.sendUnaryData<DeleteResp>,
    ) {
      const request = call.request.getOptions();
      if (!request) return callback(invalidArgument('Delete options are missing'));
      const source = sourceOf(request);
      const name = request.getGroupName();
      const group = groups.get(keyOf(source, name));
      if (!group) {
        callback(doesNotExist(name, source));
        return;
      }
      groups.delete(keyOf(source, name));
      group.delete();
      callback(null, new DeleteResp());
    },

    replayParked(
      call: grpc.ServerUnaryCall<ReplayParkedReq, ReplayParkedResp>,
      callback: grpc.sendUnaryData<ReplayParkedResp>,
    ) {
      const request = call.request.getOptions();
      if (!request) return callback(invalidArgument('ReplayParked options are missing'));
      const source = sourceOf(request);
      const group = groups.get(keyOf(source, request.getGroupName()));
      if (!group) {
        callback(doesNotExist(request.getGroupName(), source));
        return;
      }
      const stopAt = request.hasStopAt() ? Number(request.getStopAt()) : undefined;
      if (stopAt !== undefined && stopAt < 0) {
        callback(invalidArgument('Cannot stop replaying parked message at a negative version.'));
        return;
      }
      group.replayParked(stopAt);
      callback(null, new ReplayParkedResp());
    },

    read(call: ReadCall) {
      let group: SubscriptionGroup | undefined;
      let consumer: Consumer | undefined;
      calls.add(call);
      const leave = () => {
        calls.delete(call);
        if (group && consumer) group.removeConsumer(consumer);
        consumer = undefined;
      };
      call.on('data', (request: ReadReq) => {
        try {
          if (!consumer) {
            const options = request.getOptions();
            if (!options) throw invalidArgument('The first read request must carry the options');
            const source = sourceOf(options);
            const name = options.getGroupName();
            group = groups.get(keyOf(source, name));
            if (!group) throw doesNotExist(name, source);
            if (group.full) {
              throw rpcError(
                grpc.status.FAILED_PRECONDITION,
                `Maximum subscriptions reached for subscription group ${name} on stream ${source}.`,
                'maximum-subscribers-reached',
                { 'stream-name': source, 'group-name': name },
              );
            }
            const confirmation = new ReadResp.SubscriptionConfirmation();
            confirmation.setSubscriptionId(keyOf(source, name));
            call.write(new ReadResp().setSubscriptionConfirmation(confirmation));
            consumer = new Consumer(
              call,
              Math.max(options.getBufferSize(), 1),
              options.getUuidOption()?.hasStructured() ?? false,
            );
            group.addConsumer(consumer);
            return;
          }
          if (request.hasAck()) {
            group!.ack(request.getAck()!.getIdsList().map(parseUuid));
          } else if (request.hasNack()) {
            const nack = request.getNack()!;
            group!.nack(nack.getIdsList().map(parseUuid), nack.getAction(), nack.getReason());
          } else {
            throw invalidArgument('Expected an ack or a nack');
          }
        } catch (error) {
          leave();
          call.emit('error', error as grpc.ServiceError);
        }
      });
      call.on('end', () => {
        leave();
        if (!call.cancelled) call.end();
      });
      call.on('cancelled', leave);
      call.on('error', leave);
      call.on('close', leave);
    },

    update(
      call: grpc.ServerUnaryCall<UpdateReq, UpdateResp>,
      callback: grpc.sendUnaryData<UpdateResp>,
    ) {
      try {
        const request = call.request.getOptions();
        if (!request) throw invalidArgument('Update options are missing');
        const settings = request.getSettings() ?? new UpdateReq.Settings();
        const name = request.getGroupName();
        let source = ALL;
        let startFrom: string;
        if (request.hasAll()) {
          const all = request.getAll()!;
          const p = all.getPosition();
          startFrom = all.hasStart()
            ? 'C:0/P:0'
            : all.hasEnd() || !p
              ? 'C:-1/P:-1'
              : `C:${p.getCommitPosition()}/P:${p.getPreparePosition()}`;
        } else {
          const start = streamStart(request, settings, log);
          source = start.stream;
          startFrom = start.startFrom;
        }
        const group = groups.get(keyOf(source, name));
        if (!group) throw doesNotExist(name, source);
        group.update(settingsOf(settings, startFrom));
        callback(null, new UpdateResp());
      } catch (error) {
        callback(error as grpc.ServiceError);
      }
    },
    getInfo(
      call: grpc.ServerUnaryCall<GetInfoReq, GetInfoResp>,
      callback: grpc.sendUnaryData<GetInfoResp>,
    ) {
      const request = call.request.getOptions();
      if (!request) return callback(invalidArgument('GetInfo options are missing'));
      const source = sourceOf(request);
      const group = groups.get(keyOf(source, request.getGroupName()));
      if (!group) return callback(doesNotExist(request.getGroupName(), source));
      callback(null, new GetInfoResp().setSubscriptionInfo(group.info()));
    },
    list(call: grpc.ServerUnaryCall<ListReq, ListResp>, callback: grpc.sendUnaryData<ListResp>) {
      const request = call.request.getOptions();
      const forStream = request?.getListForStream();
      const source = !forStream
        ? undefined
        : forStream.hasAll()
          ? ALL
          : Buffer.from(forStream.getStream()!.getStreamName_asU8()).toString('utf8');
      const listed = [...groups.values()].filter(
        (g) => source === undefined || g.source === source,
      );
      if (source !== undefined && listed.length === 0) {
        // The server answers a stream without groups as "does not exist".
        return callback(
          rpcError(
            grpc.status.NOT_FOUND,
            `Subscription group on stream ${source} does not exist.`,
            'persistent-subscription-does-not-exist',
            { 'stream-name': source, 'group-name': '' },
          ),
        );
      }
      callback(null, new ListResp().setSubscriptionsList(listed.map((g) => g.info())));
    },
    restartSubsystem(_call: unknown, callback: grpc.sendUnaryData<unknown>) {
      callback(unimplemented('PersistentSubscriptions.RestartSubsystem'));
    },
  });

  return {
    stop() {
      clearInterval(timer);
      for (const group of groups.values()) group.delete();
      groups.clear();
      for (const call of calls) if (!call.cancelled) call.end();
    },
  };
}
