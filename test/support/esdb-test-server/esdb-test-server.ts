/**
 * An in-memory EventStoreDB/KurrentDB gRPC protocol test server.
 *
 * It serves the service definitions that `@eventstore/db-client` ships (so the wire format is the
 * client's own), and implements the subset of the protocol the Aftercare adapter uses, with the
 * server's semantics as found in KurrentDB's source (src/KurrentDB.Core/Services/Transport/Grpc/
 * Streams.Append.cs, Streams.BatchAppend.cs, Streams.Read.cs, Storage/ReaderIndex/IndexWriter.cs,
 * Storage/ReaderIndex/AllReader.cs, Transport/Enumerators/Enumerator.AllSubscription*.cs):
 *
 * - ServerFeatures.GetSupportedMethods (the client asks it before its first append to choose
 *   between Append and BatchAppend).
 * - Streams.Append (client streaming: options, then proposed messages) and Streams.BatchAppend
 *   (bidirectional, correlation ids, google.rpc.Status errors), with the expected revisions any /
 *   no_stream / stream_exists / exact, the wrong-expected-version answer carrying the current
 *   revision, and idempotency by event id: the "weak" check for any / stream_exists (the first id
 *   decides; a batch whose first event is already in the stream but a later one is not is
 *   "corrupted idempotency", answered as wrong expected version) and the "strong" check for an
 *   exact revision or no_stream below the stream's current revision (ids compared at the revisions
 *   they would take).
 * - Streams.Read of one stream (forwards/backwards, from start/end/revision, count, StreamNotFound
 *   for a missing stream) and of $all (forwards from a position inclusive, backwards from a
 *   position exclusive, start/end, stream-name / event-type prefix or regex filters, count).
 * - Subscriptions to $all (confirmation, history, checkpoints every
 *   checkpointIntervalMultiplier x maxSearchWindow (default 32) considered events when filtered and
 *   once more on reaching the end of history, CaughtUp, then live events in $all order).
 *
 * Positions are (commit, prepare) log positions in bytes. By default every event is written as a
 * self-committed prepare, as current servers do, so commit == prepare for each event. With
 * `{ commitRecords: true }` the events of one append are followed by a commit record, as older
 * servers wrote them: they share the commit position and differ by prepare position, and a read of
 * their stream (not of $all) cannot tell their position (the server sends "no position").
 *
 * - Persistent subscriptions (subscription groups, competing consumers) on $all: Create, Delete,
 *   Read, ReplayParked; see persistent-subscriptions.ts.
 * - Append limits (Streams.Append.cs, Streams.BatchAppend.cs): an append whose events weigh more
 *   than MaxAppendSize (1 MiB by default; Event.SizeOnDisk counts data + metadata + 2 bytes per
 *   type character) is refused whole with MaximumAppendSizeExceeded; an append whose deadline
 *   (the call's, or BatchAppend's deadline option) has passed is refused with a timeout.
 * - Delete and Tombstone (Streams.Delete.cs, IndexWriter.CheckCommit): a soft delete sets `$tb`
 *   to 2^63 - 1 in `$$<stream>` (reads: StreamNotFound; an append with any / no_stream / the
 *   current revision recreates the stream, revisions going on, stream_exists is refused); a
 *   tombstone writes `$streamDeleted` at revision 2^63 - 1 and every later read, append, delete
 *   or subscription of the stream answers StreamDeleted.
 * - Stream metadata: `$maxCount`, `$maxAge` and `$tb` of `$$<stream>` hide events from stream
 *   reads and stream subscriptions at once (scavenging would remove them; $all still has them).
 * - Subscriptions to one stream (Enumerator.StreamSubscription): from start, after a revision or
 *   from the end; history, CaughtUp, live; StreamDeleted when tombstoned.
 * - System events typed as a node types them (`$settings` in `$settings`, `$metadata`,
 *   `$streamDeleted`).
 *
 * - Gossip.Read, as a single node answers it (itself, alive, leader), for clients given a list
 *   of endpoints or an esdb+discover:// connection string.
 *
 * Not implemented: link resolution, projections, users, authentication, TLS, scavenging, the
 * HTTP API, clusters of more than one node.
 */
import * as grpc from '@grpc/grpc-js';
import { randomUUID } from 'node:crypto';
import { ServerFeaturesService } from '@eventstore/db-client/generated/serverfeatures_grpc_pb';
import { GossipService } from '@eventstore/db-client/generated/gossip_grpc_pb';
import { ClusterInfo, EndPoint, MemberInfo } from '@eventstore/db-client/generated/gossip_pb';
import {
  SupportedMethod,
  SupportedMethods,
} from '@eventstore/db-client/generated/serverfeatures_pb';
import {
  AllStreamPosition,
  BadRequest,
  Empty as SharedEmpty,
  MaximumAppendSizeExceeded,
  StreamDeleted as SharedStreamDeleted,
  StreamIdentifier,
  Timeout,
  UUID,
  WrongExpectedVersion as SharedWrongExpectedVersion,
} from '@eventstore/db-client/generated/shared_pb';
import { StreamsService } from '@eventstore/db-client/generated/streams_grpc_pb';
import {
  AppendReq,
  AppendResp,
  BatchAppendReq,
  BatchAppendResp,
  DeleteReq,
  DeleteResp,
  ReadReq,
  ReadResp,
  TombstoneReq,
  TombstoneResp,
} from '@eventstore/db-client/generated/streams_pb';
import { Status as RpcStatus } from '@eventstore/db-client/generated/status_pb';
import { Code } from '@eventstore/db-client/generated/code_pb';
import { Empty as ProtoEmpty } from 'google-protobuf/google/protobuf/empty_pb';
import { Any } from 'google-protobuf/google/protobuf/any_pb';
import {
  PERSISTENT_METHODS,
  PERSISTENT_SERVICE,
  addPersistentSubscriptionsService,
} from './persistent-subscriptions';

export interface EsdbTestServerOptions {
  /** Write each append as prepares followed by a commit record (pre-20.x layout). */
  commitRecords?: boolean;
  /** Advertise and serve BatchAppend (servers >= 21.10 do; the client then prefers it). */
  batchAppend?: boolean;
  /** Start with a few system events ($settings, $user-admin, ...) in $all, as a real node does. */
  systemEvents?: boolean;
  /**
   * How often persistent subscriptions look for messages past their timeout (the server's timer
   * ticks every second; tests use less).
   */
  persistentSubscriptionTickMs?: number;
  /**
   * The server's MaxAppendSize in bytes (KurrentDB's default: 1 MiB). An append whose events
   * weigh more (data + metadata + 2 bytes per character of the type, as Event.SizeOnDisk counts)
   * is refused whole.
   */
  maxAppendSize?: number;
}

export interface EsdbTestServer {
  connectionString: string;
  /** Number of events in $all, system events included. */
  readonly eventCount: number;
  stop(): Promise<void>;
}

const UINT64_MAX = (1n << 64n) - 1n;
/** Server-side sentinels: ExpectedVersion in KurrentDB. */
const EXPECTED_ANY = -2n;
const EXPECTED_NO_STREAM = -1n;
const EXPECTED_STREAM_EXISTS = -4n;
/** EventNumber.DeletedStream: the tombstone's revision and a soft-deleted stream's $tb. */
const DELETED_STREAM = (1n << 63n) - 1n;
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

export interface StoredEvent {
  id: string;
  streamId: string;
  revision: bigint;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
  /** .NET ticks (100 ns) since the Unix epoch, as the server's `created` metadata. */
  created: bigint;
  commit: bigint;
  prepare: bigint;
  /** Whether a stream read knows the event's position (it committed itself). */
  selfCommitted: boolean;
}

export interface Proposed {
  id: string;
  type: string;
  contentType: string;
  data: Uint8Array;
  metadata: Uint8Array;
}

type AppendOutcome =
  | { kind: 'success'; last: StoredEvent }
  | { kind: 'wrongExpectedVersion'; current: bigint }
  | { kind: 'streamDeleted' };

/** The stream metadata reads honour (`$$<stream>`'s last `$metadata` event). */
export interface StreamMetadata {
  maxCount?: number;
  /** Seconds. */
  maxAge?: number;
  /** Truncate before: revisions below it are gone; DELETED_STREAM for a soft-deleted stream. */
  tb?: bigint;
  raw: Record<string, unknown>;
}

function comparePos(
  a: { commit: bigint; prepare: bigint },
  b: { commit: bigint; prepare: bigint },
) {
  if (a.commit !== b.commit) return a.commit < b.commit ? -1 : 1;
  if (a.prepare !== b.prepare) return a.prepare < b.prepare ? -1 : 1;
  return 0;
}

/** The transaction log and stream index. Appends run synchronously, so each one is atomic. */
export class InMemoryLog {
  readonly all: StoredEvent[] = [];
  private readonly streams = new Map<string, StoredEvent[]>();
  private readonly byId = new Map<string, StoredEvent[]>();
  private nextLogPosition = 0n;
  private waiters: (() => void)[] = [];
  private readonly appendListeners: (() => void)[] = [];

  constructor(private readonly commitRecords: boolean) {}

  stream(streamId: string): StoredEvent[] | undefined {
    return this.streams.get(streamId);
  }

  /** Calls `listener` after every append that wrote events. */
  onAppend(listener: () => void): void {
    this.appendListeners.push(listener);
  }

  /** Resolves at the next append. */
  changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Streams deleted for good (a tombstone): reads and appends answer StreamDeleted. */
  readonly tombstoned = new Set<string>();

  /** The stream's metadata: the data of the last `$metadata` event of `$$<stream>`. */
  metadata(streamId: string): StreamMetadata {
    const meta = this.streams.get(`$$${streamId}`);
    const last = meta?.[meta.length - 1];
    if (!last || last.type !== '$metadata') return { raw: {} };
    let raw: Record<string, unknown>;
    try {
      // $tb can be 2^63 - 1 (deleted), beyond a double: keep integers exact.
      const text = Buffer.from(last.data)
        .toString('utf8')
        .replace(/("\$tb"\s*:\s*)(\d+)/, '$1"$2"');
      raw = JSON.parse(text) as Record<string, unknown>;
    } catch {
      return { raw: {} };
    }
    const count = (v: unknown) => (typeof v === 'number' && v >= 0 ? v : undefined);
    const tb = raw.$tb;
    return {
      maxCount: count(raw.$maxCount),
      maxAge: count(raw.$maxAge),
      tb: typeof tb === 'string' || typeof tb === 'number' ? BigInt(tb) : undefined,
      raw: { ...raw, ...(tb === undefined ? {} : { $tb: Number(tb) }) },
    };
  }

  isSoftDeleted(streamId: string): boolean {
    return this.metadata(streamId).tb === DELETED_STREAM;
  }

  /**
   * The events of a stream a read may return: those at or after $tb, the last $maxCount, and
   * those younger than $maxAge seconds (the server hides them at once; scavenging removes them).
   */
  visible(streamId: string): StoredEvent[] | undefined {
    const stream = this.streams.get(streamId);
    if (!stream || streamId.startsWith('$$')) return stream;
    const { maxCount, maxAge, tb } = this.metadata(streamId);
    if (maxCount === undefined && maxAge === undefined && tb === undefined) return stream;
    const from = Math.max(
      tb === undefined ? 0 : Number(tb > BigInt(stream.length) ? BigInt(stream.length) : tb),
      maxCount === undefined ? 0 : stream.length - maxCount,
    );
    const oldest = maxAge === undefined ? undefined : BigInt(Date.now() - maxAge * 1000) * 10_000n;
    return stream.slice(from).filter((e) => oldest === undefined || e.created >= oldest);
  }

  append(streamId: string, expected: bigint, events: Proposed[]): AppendOutcome {
    if (this.tombstoned.has(streamId)) return { kind: 'streamDeleted' };
    const stream = this.streams.get(streamId) ?? [];
    const current = BigInt(stream.length) - 1n;
    const wrong: AppendOutcome = { kind: 'wrongExpectedVersion', current };
    const softDeleted = current >= 0n && this.isSoftDeleted(streamId);

    if (expected === EXPECTED_STREAM_EXISTS && (current < 0n || softDeleted)) {
      // A stream with only metadata exists too (IndexWriter.CheckCommit).
      if (current >= 0n || !this.streams.get(`$$${streamId}`)) return wrong;
    }

    if (expected === EXPECTED_ANY || expected === EXPECTED_STREAM_EXISTS) {
      // Weak idempotency: the ids are looked up among the events already committed.
      let last: StoredEvent | undefined;
      for (const [i, event] of events.entries()) {
        const found = this.byId.get(event.id)?.find((e) => e.streamId === streamId);
        if (found) {
          last = found;
          continue;
        }
        if (i > 0) return wrong; // corrupted idempotency
        return this.write(streamId, stream, events);
      }
      return { kind: 'success', last: last! };
    }

    if (expected < current) {
      // Strong idempotency: the events must sit exactly where this append would have put them.
      let revision = expected;
      for (const event of events) {
        revision += 1n;
        const atRevision = revision <= current ? stream[Number(revision)] : undefined;
        if (atRevision?.id === event.id) continue;
        // A soft-deleted stream is recreated by an append expecting no stream; its revisions go on.
        if (revision === expected + 1n && expected === EXPECTED_NO_STREAM && softDeleted) {
          return this.write(streamId, stream, events);
        }
        return wrong; // the first differs: a plain conflict; a later one: corrupted idempotency
      }
      return { kind: 'success', last: stream[Number(revision)] };
    }

    if (expected > current) return wrong;
    return this.write(streamId, stream, events);
  }

  private write(streamId: string, stream: StoredEvent[], events: Proposed[]): AppendOutcome {
    const recreates = stream.length > 0 && this.isSoftDeleted(streamId);
    const outcome = this.writeRecords(streamId, stream, events);
    if (recreates) {
      // The stream's old events stay hidden: $tb moves from "deleted" to the first new revision.
      const { raw } = this.metadata(streamId);
      const meta = this.streams.get(`$$${streamId}`) ?? [];
      this.writeRecords(`$$${streamId}`, meta, [
        metadataEvent({ ...raw, $tb: Number(stream.length - events.length) }),
      ]);
    }
    return outcome;
  }

  /** Soft delete: `$$<stream>` gets `$tb` = deleted; the events stay in $all. */
  softDelete(streamId: string): StoredEvent {
    const { raw } = this.metadata(streamId);
    const meta = this.streams.get(`$$${streamId}`) ?? [];
    const outcome = this.writeRecords(`$$${streamId}`, meta, [
      metadataEvent({ ...raw, $tb: '__deleted__' }),
    ]);
    return (outcome as { last: StoredEvent }).last;
  }

  /** Hard delete: a `$streamDeleted` record at revision 2^63 - 1; the stream is gone for good. */
  tombstone(streamId: string): StoredEvent {
    this.tombstoned.add(streamId);
    const outcome = this.writeRecords(
      streamId,
      [],
      [
        {
          id: randomUUID(),
          type: '$streamDeleted',
          contentType: 'application/octet-stream',
          data: new Uint8Array(),
          metadata: new Uint8Array(),
        },
      ],
    );
    const record = (outcome as { last: StoredEvent }).last;
    record.revision = DELETED_STREAM;
    return record;
  }

  private writeRecords(streamId: string, stream: StoredEvent[], events: Proposed[]): AppendOutcome {
    const created = BigInt(Date.now()) * 10_000n;
    const prepares = events.map((event) => {
      const prepare = this.nextLogPosition;
      this.nextLogPosition += recordSize(streamId, event);
      return prepare;
    });
    let commit: bigint | undefined;
    if (this.commitRecords) {
      commit = this.nextLogPosition;
      this.nextLogPosition += 40n;
    }
    const stored = events.map((event, i): StoredEvent => {
      const record: StoredEvent = {
        ...event,
        streamId,
        revision: BigInt(stream.length),
        created,
        commit: commit ?? prepares[i],
        prepare: prepares[i],
        selfCommitted: commit === undefined,
      };
      stream.push(record);
      this.all.push(record);
      const sameId = this.byId.get(event.id);
      if (sameId) sameId.push(record);
      else this.byId.set(event.id, [record]);
      return record;
    });
    this.streams.set(streamId, stream);
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
    for (const listener of this.appendListeners) listener();
    return { kind: 'success', last: stored[stored.length - 1] };
  }

  /** Index of the first event of $all whose position is >= (or > when `exclusive`) the given one. */
  indexFrom(position: { commit: bigint; prepare: bigint }, exclusive: boolean): number {
    let lo = 0;
    let hi = this.all.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      const c = comparePos(this.all[mid], position);
      if (c < 0 || (exclusive && c === 0)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** A `$metadata` event; `'__deleted__'` stands for $tb = 2^63 - 1, which JSON numbers cannot hold. */
function metadataEvent(raw: Record<string, unknown>): Proposed {
  const text = JSON.stringify(raw).replace('"__deleted__"', DELETED_STREAM.toString());
  return {
    id: randomUUID(),
    type: '$metadata',
    contentType: 'application/json',
    data: Buffer.from(text, 'utf8'),
    metadata: new Uint8Array(),
  };
}

/** Event.SizeOnDisk: data + metadata + the type as UTF-16. */
export function sizeOnDisk(event: Proposed): number {
  return event.data.length + event.metadata.length + event.type.length * 2;
}

function recordSize(streamId: string, event: Proposed): bigint {
  return BigInt(
    80 +
      Buffer.byteLength(streamId) +
      Buffer.byteLength(event.type) +
      event.data.length +
      event.metadata.length,
  );
}

// ---------------------------------------------------------------------------------------------
// Protocol helpers

export function parseUuid(uuid: UUID | undefined): string {
  if (!uuid) throw invalidArgument('Event id is missing');
  if (uuid.hasStructured()) {
    const s = uuid.getStructured()!;
    const hex = (v: string) => BigInt.asUintN(64, BigInt(v)).toString(16).padStart(16, '0');
    const h = hex(s.getMostSignificantBits()) + hex(s.getLeastSignificantBits());
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
  return uuid.getString().toLowerCase();
}

export function toUuid(id: string, structured: boolean): UUID {
  const uuid = new UUID();
  if (!structured) return uuid.setString(id);
  const hex = id.replace(/-/g, '');
  const signed = (h: string) => BigInt.asIntN(64, BigInt(`0x${h}`)).toString();
  const s = new UUID.Structured();
  s.setMostSignificantBits(signed(hex.slice(0, 16)));
  s.setLeastSignificantBits(signed(hex.slice(16)));
  return uuid.setStructured(s);
}

function streamName(identifier: StreamIdentifier | undefined): string {
  if (!identifier) throw invalidArgument('Stream identifier is missing');
  return Buffer.from(identifier.getStreamName_asU8()).toString('utf8');
}

export function streamIdentifier(name: string): StreamIdentifier {
  return new StreamIdentifier().setStreamName(Buffer.from(name, 'utf8'));
}

export function invalidArgument(message: string): grpc.ServiceError {
  return Object.assign(new Error(message), {
    code: grpc.status.INVALID_ARGUMENT,
    details: message,
    metadata: new grpc.Metadata(),
  });
}

export function unimplemented(what: string): grpc.ServiceError {
  return Object.assign(new Error(`${what} is not implemented by the test server`), {
    code: grpc.status.UNIMPLEMENTED,
    details: `${what} is not implemented by the test server`,
    metadata: new grpc.Metadata(),
  });
}

/** RpcExceptions.StreamDeleted: FAILED_PRECONDITION with the exception and stream name trailers. */
export function streamDeletedError(stream: string): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'stream-deleted');
  metadata.set('stream-name', stream);
  const message = `Event stream '${stream}' is deleted.`;
  return Object.assign(new Error(message), {
    code: grpc.status.FAILED_PRECONDITION,
    details: message,
    metadata,
  });
}

/** RpcExceptions.MaxAppendSizeExceeded: INVALID_ARGUMENT with the limit in the trailers. */
function maxAppendSizeError(maxAppendSize: number): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'maximum-append-size-exceeded');
  metadata.set('maximum-append-size', String(maxAppendSize));
  const message = `Maximum Append Size of ${maxAppendSize} Exceeded.`;
  return Object.assign(new Error(message), {
    code: grpc.status.INVALID_ARGUMENT,
    details: message,
    metadata,
  });
}

/** RpcExceptions.WrongExpectedVersion, as Delete and Tombstone answer it. */
function wrongExpectedVersionError(
  operation: string,
  stream: string,
  expected: bigint,
  current: bigint,
): grpc.ServiceError {
  const metadata = new grpc.Metadata();
  metadata.set('exception', 'wrong-expected-version');
  metadata.set('stream-name', stream);
  metadata.set('expected-version', expected.toString());
  if (current >= 0n) metadata.set('actual-version', current.toString());
  const message = `${operation} failed due to WrongExpectedVersion. Stream: ${stream}, Expected version: ${expected}, Actual version: ${current}`;
  return Object.assign(new Error(message), {
    code: grpc.status.FAILED_PRECONDITION,
    details: message,
    metadata,
  });
}

function deadlineExceeded(): grpc.ServiceError {
  return Object.assign(new Error('Deadline Exceeded'), {
    code: grpc.status.DEADLINE_EXCEEDED,
    details: 'Deadline Exceeded',
    metadata: new grpc.Metadata(),
  });
}

/** Whether the call's gRPC deadline has passed (the server gives up on such a call: no write). */
function deadlinePassed(call: { getDeadline(): grpc.Deadline }): boolean {
  const deadline = call.getDeadline();
  const ms = deadline instanceof Date ? deadline.getTime() : deadline;
  return Number.isFinite(ms) && Date.now() >= ms;
}

function toProposed(message: {
  getId(): UUID | undefined;
  getMetadataMap(): { get(key: string): string | undefined };
  getData_asU8(): Uint8Array;
  getCustomMetadata_asU8(): Uint8Array;
}): Proposed {
  const metadata = message.getMetadataMap();
  const type = metadata.get('type');
  const contentType = metadata.get('content-type');
  if (!type) throw invalidArgument("Proposed message is missing the 'type' metadata");
  if (contentType !== 'application/json' && contentType !== 'application/octet-stream') {
    throw invalidArgument("Proposed message has no valid 'content-type' metadata");
  }
  return {
    id: parseUuid(message.getId()),
    type,
    contentType,
    data: message.getData_asU8(),
    metadata: message.getCustomMetadata_asU8(),
  };
}

function recordedEvent(
  event: StoredEvent,
  structuredIds: boolean,
  known: boolean,
): ReadResp.ReadEvent.RecordedEvent {
  const recorded = new ReadResp.ReadEvent.RecordedEvent();
  recorded.setId(toUuid(event.id, structuredIds));
  recorded.setStreamIdentifier(streamIdentifier(event.streamId));
  recorded.setStreamRevision(event.revision.toString());
  recorded.setCommitPosition((known ? event.commit : UINT64_MAX).toString());
  recorded.setPreparePosition((known ? event.prepare : UINT64_MAX).toString());
  const map = recorded.getMetadataMap();
  map.set('type', event.type);
  map.set('content-type', event.contentType);
  map.set('created', event.created.toString());
  recorded.setData(event.data);
  recorded.setCustomMetadata(event.metadata);
  return recorded;
}

/** A read response for one event; `fromAll` reads always know the position. */
function eventResponse(event: StoredEvent, structuredIds: boolean, fromAll: boolean): ReadResp {
  const known = fromAll || event.selfCommitted;
  const readEvent = new ReadResp.ReadEvent();
  readEvent.setEvent(recordedEvent(event, structuredIds, known));
  if (known) readEvent.setCommitPosition(event.commit.toString());
  else readEvent.setNoPosition(new SharedEmpty());
  return new ReadResp().setEvent(readEvent);
}

type Matcher = (event: StoredEvent) => boolean;

function filterOf(options: ReadReq.Options): {
  matches: Matcher;
  filtered: boolean;
  checkpointInterval: number;
} {
  if (!options.hasFilter()) return { matches: () => true, filtered: false, checkpointInterval: 0 };
  const filter = options.getFilter()!;
  const onStream = filter.hasStreamIdentifier();
  const expression = onStream ? filter.getStreamIdentifier() : filter.getEventType();
  if (!expression)
    throw invalidArgument('Filter has neither a stream nor an event type expression');
  const regex = expression.getRegex();
  const prefixes = expression.getPrefixList();
  const test: (value: string) => boolean = regex
    ? (value) => new RegExp(regex).test(value)
    : (value) => prefixes.some((p) => value.startsWith(p));
  const window = filter.hasMax() ? filter.getMax() : 32;
  const multiplier = filter.getCheckpointintervalmultiplier();
  if (multiplier <= 0) throw invalidArgument('Checkpoint interval multiplier must be positive');
  return {
    matches: onStream ? (e) => test(e.streamId) : (e) => test(e.type),
    filtered: true,
    checkpointInterval: multiplier * window,
  };
}

function uint64(value: string, what: string): bigint {
  const parsed = BigInt(value);
  if (parsed < 0n || parsed > UINT64_MAX) throw invalidArgument(`${what} out of range`);
  return parsed;
}

// ---------------------------------------------------------------------------------------------
// The server

export async function startEsdbTestServer(
  options: EsdbTestServerOptions = {},
): Promise<EsdbTestServer> {
  const log = new InMemoryLog(options.commitRecords ?? false);
  const batchAppendEnabled = options.batchAppend ?? true;
  const maxAppendSize = options.maxAppendSize ?? DEFAULT_MAX_APPEND_SIZE;
  if (options.systemEvents ?? true) seedSystemEvents(log);

  const server = new grpc.Server();
  const liveCalls = new Set<grpc.ServerWritableStream<ReadReq, ReadResp>>();

  server.addService(ServerFeaturesService, {
    getSupportedMethods(
      _call: grpc.ServerUnaryCall<unknown, SupportedMethods>,
      callback: grpc.sendUnaryData<SupportedMethods>,
    ) {
      const result = new SupportedMethods();
      result.setEventStoreServerVersion('24.10.0');
      const method = (service: string, name: string, features: string[] = []) =>
        new SupportedMethod().setServiceName(service).setMethodName(name).setFeaturesList(features);
      const streams = 'event_store.client.streams.streams';
      const methods = [
        method(streams, 'read', ['position', 'events']),
        method(streams, 'append'),
        method('event_store.client.server_features.serverfeatures', 'getsupportedmethods'),
      ];
      if (batchAppendEnabled) methods.push(method(streams, 'batchappend', ['deadline_duration']));
      for (const name of PERSISTENT_METHODS) {
        methods.push(method(PERSISTENT_SERVICE, name, ['stream', 'all']));
      }
      result.setMethodsList(methods);
      callback(null, result);
    },
  });

  server.addService(StreamsService, {
    append(
      call: grpc.ServerReadableStream<AppendReq, AppendResp>,
      callback: grpc.sendUnaryData<AppendResp>,
    ) {
      const requests: AppendReq[] = [];
      let failed = false;
      call.on('data', (req: AppendReq) => requests.push(req));
      call.on('error', () => (failed = true));
      call.on('end', () => {
        if (failed || call.cancelled) return;
        if (deadlinePassed(call)) return callback(deadlineExceeded());
        try {
          callback(null, handleAppend(log, requests, maxAppendSize));
        } catch (error) {
          callback(error as grpc.ServiceError);
        }
      });
    },

    batchAppend(call: grpc.ServerDuplexStream<BatchAppendReq, BatchAppendResp>) {
      if (!batchAppendEnabled) {
        call.emit('error', unimplemented('BatchAppend'));
        return;
      }
      const pending = new Map<
        string,
        { options: BatchAppendReq.Options; events: Proposed[]; size?: number; refused?: boolean }
      >();
      call.on('data', (req: BatchAppendReq) => {
        const correlation = req.getCorrelationId();
        const key = correlation ? parseUuid(correlation) : '';
        const response = new BatchAppendResp();
        if (correlation) response.setCorrelationId(correlation);
        try {
          let entry = pending.get(key);
          if (!entry) {
            const options = req.getOptions();
            if (!options) throw invalidArgument('The first batch of an append must carry options');
            const deadline = options.getDeadline();
            if (deadline && deadline.toDate().getTime() <= Date.now()) {
              // Status.Timeout: the append's deadline passed before the server took it.
              if (options.getStreamIdentifier()) {
                response.setStreamIdentifier(options.getStreamIdentifier());
              }
              call.write(
                response.setError(
                  statusOf(
                    Code.DEADLINE_EXCEEDED,
                    'Timeout',
                    new Timeout(),
                    'event_store.client.Timeout',
                  ),
                ),
              );
              if (!req.getIsFinal()) pending.set(key, { options, events: [], refused: true });
              return;
            }
            entry = { options, events: [], size: 0 };
            pending.set(key, entry);
          }
          if (entry.refused) {
            if (req.getIsFinal()) pending.delete(key);
            return;
          }
          for (const message of req.getProposedMessagesList()) {
            const proposed = toProposed(message);
            entry.size = (entry.size ?? 0) + sizeOnDisk(proposed);
            if (entry.size > maxAppendSize) break; // refused whole: the rest need not be read
            entry.events.push(proposed);
          }
          if ((entry.size ?? 0) > maxAppendSize) {
            // Status.MaximumAppendSizeExceeded; the rest of this append is ignored.
            response.setStreamIdentifier(entry.options.getStreamIdentifier());
            const details = new MaximumAppendSizeExceeded().setMaxappendsize(maxAppendSize);
            call.write(
              response.setError(
                statusOf(
                  Code.INVALID_ARGUMENT,
                  'MaximumAppendSizeExceeded',
                  details,
                  'event_store.client.MaximumAppendSizeExceeded',
                ),
              ),
            );
            if (req.getIsFinal()) pending.delete(key);
            else pending.set(key, { ...entry, events: [], refused: true });
            return;
          }
          if (!req.getIsFinal()) return;
          pending.delete(key);
          call.write(handleBatchAppend(log, entry.options, entry.events, response));
        } catch (error) {
          pending.delete(key);
          // As KurrentDB's Status.BadRequest: code INVALID_ARGUMENT, BadRequest details.
          const message = (error as Error).message;
          const details = new Any();
          details.pack(
            new BadRequest().setMessage(message).serializeBinary(),
            'event_store.client.BadRequest',
          );
          const status = new RpcStatus();
          status.setCode(Code.INVALID_ARGUMENT);
          status.setMessage(message);
          status.setDetails(details);
          call.write(response.setError(status));
        }
      });
      call.on('end', () => call.end());
      call.on('error', () => undefined);
    },

    read(call: grpc.ServerWritableStream<ReadReq, ReadResp>) {
      liveCalls.add(call);
      handleRead(log, call)
        .then(() => {
          if (!call.cancelled) call.end();
        })
        .catch((error: unknown) => {
          if (!call.cancelled) call.emit('error', error as grpc.ServiceError);
        })
        .finally(() => liveCalls.delete(call));
    },

    delete(
      call: grpc.ServerUnaryCall<DeleteReq, DeleteResp>,
      callback: grpc.sendUnaryData<DeleteResp>,
    ) {
      try {
        const record = handleDelete(log, call.request.getOptions(), 'Delete', false);
        const position = new DeleteResp.Position()
          .setCommitPosition(record.commit.toString())
          .setPreparePosition(record.prepare.toString());
        callback(null, new DeleteResp().setPosition(position));
      } catch (error) {
        callback(error as grpc.ServiceError);
      }
    },

    tombstone(
      call: grpc.ServerUnaryCall<TombstoneReq, TombstoneResp>,
      callback: grpc.sendUnaryData<TombstoneResp>,
    ) {
      try {
        const record = handleDelete(log, call.request.getOptions(), 'Tombstone', true);
        const position = new TombstoneResp.Position()
          .setCommitPosition(record.commit.toString())
          .setPreparePosition(record.prepare.toString());
        callback(null, new TombstoneResp().setPosition(position));
      } catch (error) {
        callback(error as grpc.ServiceError);
      }
    },
  });

  // Gossip.Read, as a single node answers it: itself, alive, the leader. Clients connecting with
  // a list of endpoints (or esdb+discover://) ask it before anything else.
  let boundPort = 0;
  const instanceId = randomUUID();
  server.addService(GossipService, {
    read(_call: unknown, callback: grpc.sendUnaryData<ClusterInfo>) {
      const member = new MemberInfo()
        .setInstanceId(toUuid(instanceId, false))
        .setTimeStamp((BigInt(Date.now()) * 10_000n).toString())
        .setState(MemberInfo.VNodeState.LEADER)
        .setIsAlive(true)
        .setHttpEndPoint(new EndPoint().setAddress('127.0.0.1').setPort(boundPort));
      callback(null, new ClusterInfo().setMembersList([member]));
    },
  });

  const persistent = addPersistentSubscriptionsService(server, log, {
    tickMs: options.persistentSubscriptionTickMs,
  });

  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync('127.0.0.1:0', grpc.ServerCredentials.createInsecure(), (error, bound) =>
      error ? reject(error) : resolve(bound),
    ),
  );

  boundPort = port;
  return {
    connectionString: `esdb://127.0.0.1:${port}?tls=false`,
    get eventCount() {
      return log.all.length;
    },
    async stop() {
      persistent.stop();
      for (const call of liveCalls) call.end();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 500);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    },
  };
}

function seedSystemEvents(log: InMemoryLog): void {
  const json = (value: unknown) => Buffer.from(JSON.stringify(value), 'utf8');
  const system = (streamId: string, type: string, data: unknown) =>
    log.append(streamId, EXPECTED_ANY, [
      {
        id: randomUUID(),
        type,
        contentType: 'application/json',
        data: json(data),
        metadata: new Uint8Array(),
      },
    ]);
  system('$users', '$User', { loginName: 'admin' });
  system('$user-admin', '$user', { loginName: 'admin', fullName: 'KurrentDB Administrator' });
  system('$settings', '$settings', { $userStreamAcl: {}, $systemStreamAcl: {} });
}

function expectedOf(
  kind: 'revision' | 'any' | 'noStream' | 'streamExists' | undefined,
  revision: string,
): bigint {
  switch (kind) {
    case 'revision':
      return uint64(revision, 'Expected revision');
    case 'any':
      return EXPECTED_ANY;
    case 'noStream':
      return EXPECTED_NO_STREAM;
    case 'streamExists':
      return EXPECTED_STREAM_EXISTS;
    default:
      throw invalidArgument('Expected stream revision is missing');
  }
}

/** A google.rpc.Status with packed details, as KurrentDB's Status helpers build them. */
function statusOf(
  code: number,
  message: string,
  details: { serializeBinary(): Uint8Array },
  typeName: string,
): RpcStatus {
  const any = new Any();
  any.pack(details.serializeBinary(), typeName);
  const status = new RpcStatus();
  status.setCode(code);
  status.setMessage(message);
  status.setDetails(any);
  return status;
}

/**
 * Delete (soft) and Tombstone (hard), as Streams.Delete.cs with IndexWriter.CheckCommit for an
 * empty write: the expected revision is checked as for an append (a stream that was never written
 * fails `no_stream`, as servers since EventStore#3154 do); a tombstoned stream answers
 * StreamDeleted; a soft delete of a soft-deleted stream succeeds again.
 */
function handleDelete(
  log: InMemoryLog,
  options: DeleteReq.Options | TombstoneReq.Options | undefined,
  operation: 'Delete' | 'Tombstone',
  hard: boolean,
): StoredEvent {
  if (!options) throw invalidArgument(`${operation} options are missing`);
  const stream = streamName(options.getStreamIdentifier());
  const C = DeleteReq.Options.ExpectedStreamRevisionCase;
  const kinds = {
    [C.REVISION]: 'revision',
    [C.ANY]: 'any',
    [C.NO_STREAM]: 'noStream',
    [C.STREAM_EXISTS]: 'streamExists',
  } as const;
  const expectedCase = options.getExpectedStreamRevisionCase() as unknown as keyof typeof kinds;
  const expected = expectedOf(kinds[expectedCase], options.getRevision());
  if (log.tombstoned.has(stream)) throw streamDeletedError(stream);
  const events = log.stream(stream);
  const current = events ? BigInt(events.length) - 1n : -1n;
  const metadataOnly = current < 0n && log.stream(`$$${stream}`) !== undefined;
  const matches =
    expected === EXPECTED_ANY ||
    (expected === EXPECTED_STREAM_EXISTS && (current >= 0n || metadataOnly)) ||
    (expected === EXPECTED_NO_STREAM && current < 0n && metadataOnly) ||
    expected === current;
  if (!matches) throw wrongExpectedVersionError(operation, stream, expected, current);
  return hard ? log.tombstone(stream) : log.softDelete(stream);
}

function handleAppend(log: InMemoryLog, requests: AppendReq[], maxAppendSize: number): AppendResp {
  const [first, ...rest] = requests;
  if (!first?.hasOptions()) throw invalidArgument('The first append message must be the options');
  const options = first.getOptions()!;
  const stream = streamName(options.getStreamIdentifier());
  const C = AppendReq.Options.ExpectedStreamRevisionCase;
  const kinds = {
    [C.REVISION]: 'revision',
    [C.ANY]: 'any',
    [C.NO_STREAM]: 'noStream',
    [C.STREAM_EXISTS]: 'streamExists',
  } as const;
  const expectedCase = options.getExpectedStreamRevisionCase();
  const expected = expectedOf(kinds[expectedCase as keyof typeof kinds], options.getRevision());
  let size = 0;
  const events = rest.map((req) => {
    if (!req.hasProposedMessage()) throw invalidArgument('Expected a proposed message');
    const proposed = toProposed(req.getProposedMessage()!);
    size += sizeOnDisk(proposed);
    if (size > maxAppendSize) throw maxAppendSizeError(maxAppendSize);
    return proposed;
  });
  const outcome = log.append(stream, expected, events);
  if (outcome.kind === 'streamDeleted') throw streamDeletedError(stream);
  const response = new AppendResp();
  if (outcome.kind === 'success') {
    const success = new AppendResp.Success();
    success.setCurrentRevision(outcome.last.revision.toString());
    const position = new AppendResp.Position();
    position.setCommitPosition(outcome.last.commit.toString());
    position.setPreparePosition(outcome.last.prepare.toString());
    success.setPosition(position);
    return response.setSuccess(success);
  }
  const wrong = new AppendResp.WrongExpectedVersion();
  switch (expectedCase) {
    case C.ANY:
      wrong.setExpectedAny(new SharedEmpty());
      wrong.setAny2060(new SharedEmpty());
      break;
    case C.STREAM_EXISTS:
      wrong.setExpectedStreamExists(new SharedEmpty());
      wrong.setStreamExists2060(new SharedEmpty());
      break;
    case C.NO_STREAM:
      wrong.setExpectedNoStream(new SharedEmpty());
      // The server also sets the deprecated expected_revision_2060 to ulong.MaxValue here; the JS
      // message class can only hold it as a double, which cannot encode 2^64-1, so it is left out
      // (clients read the non-deprecated fields).
      break;
    default:
      wrong.setExpectedRevision(expected.toString());
      wrong.setExpectedRevision2060(Number(expected));
  }
  if (outcome.current < 0n) {
    wrong.setCurrentNoStream(new SharedEmpty());
    wrong.setNoStream2060(new SharedEmpty());
  } else {
    wrong.setCurrentRevision(outcome.current.toString());
    wrong.setCurrentRevision2060(Number(outcome.current));
  }
  return response.setWrongExpectedVersion(wrong);
}

function handleBatchAppend(
  log: InMemoryLog,
  options: BatchAppendReq.Options,
  events: Proposed[],
  response: BatchAppendResp,
): BatchAppendResp {
  const stream = streamName(options.getStreamIdentifier());
  const C = BatchAppendReq.Options.ExpectedStreamPositionCase;
  const kinds = {
    [C.STREAM_POSITION]: 'revision',
    [C.ANY]: 'any',
    [C.NO_STREAM]: 'noStream',
    [C.STREAM_EXISTS]: 'streamExists',
  } as const;
  const expectedCase = options.getExpectedStreamPositionCase();
  const expected = expectedOf(
    kinds[expectedCase as keyof typeof kinds],
    options.getStreamPosition(),
  );
  response.setStreamIdentifier(streamIdentifier(stream));
  switch (expectedCase) {
    case C.STREAM_POSITION:
      response.setStreamPosition(expected.toString());
      break;
    case C.ANY:
      response.setAny(new ProtoEmpty());
      break;
    case C.NO_STREAM:
      response.setNoStream(new ProtoEmpty());
      break;
    default:
      response.setStreamExists(new ProtoEmpty());
  }
  const outcome = log.append(stream, expected, events);
  if (outcome.kind === 'streamDeleted') {
    // Status.StreamDeleted: code NOT_FOUND, StreamDeleted details.
    const details = new SharedStreamDeleted().setStreamIdentifier(streamIdentifier(stream));
    return response.setError(
      statusOf(Code.NOT_FOUND, 'StreamDeleted', details, 'event_store.client.StreamDeleted'),
    );
  }
  if (outcome.kind === 'success') {
    const success = new BatchAppendResp.Success();
    success.setCurrentRevision(outcome.last.revision.toString());
    const position = new AllStreamPosition();
    position.setCommitPosition(outcome.last.commit.toString());
    position.setPreparePosition(outcome.last.prepare.toString());
    success.setPosition(position);
    return response.setSuccess(success);
  }
  // As KurrentDB's Status.WrongExpectedVersion: code ALREADY_EXISTS, details packed.
  const details = new SharedWrongExpectedVersion();
  if (outcome.current < 0n) details.setCurrentNoStream(new ProtoEmpty());
  else details.setCurrentStreamRevision(outcome.current.toString());
  switch (expectedCase) {
    case C.STREAM_POSITION:
      details.setExpectedStreamPosition(expected.toString());
      break;
    case C.ANY:
      details.setExpectedAny(new ProtoEmpty());
      break;
    case C.NO_STREAM:
      details.setExpectedNoStream(new ProtoEmpty());
      break;
    default:
      details.setExpectedStreamExists(new ProtoEmpty());
  }
  const any = new Any();
  any.pack(details.serializeBinary(), 'event_store.client.WrongExpectedVersion');
  const status = new RpcStatus();
  status.setCode(Code.ALREADY_EXISTS);
  status.setMessage('WrongExpectedVersion');
  status.setDetails(any);
  return response.setError(status);
}

/** Writes with back-pressure: waits for 'drain' when grpc's buffer is full. */
async function send(call: grpc.ServerWritableStream<ReadReq, ReadResp>, message: ReadResp) {
  if (call.cancelled) return;
  if (call.write(message)) return;
  await new Promise<void>((resolve) => {
    const done = () => {
      call.off('drain', done);
      call.off('cancelled', done);
      resolve();
    };
    call.on('drain', done);
    call.on('cancelled', done);
  });
}

async function handleRead(log: InMemoryLog, call: grpc.ServerWritableStream<ReadReq, ReadResp>) {
  const options = call.request.getOptions();
  if (!options) throw invalidArgument('Read options are missing');
  const structuredIds = options.getUuidOption()?.hasStructured() ?? false;
  const backwards = options.getReadDirection() === ReadReq.Options.ReadDirection.BACKWARDS;

  if (options.hasSubscription()) {
    if (options.hasStream()) return subscribeToStream(log, call, options, structuredIds);
    return subscribeToAll(log, call, options, structuredIds);
  }
  const count = options.hasCount() ? uint64(options.getCount(), 'Count') : UINT64_MAX;

  if (options.hasStream()) {
    const streamOptions = options.getStream()!;
    const name = streamName(streamOptions.getStreamIdentifier());
    if (log.tombstoned.has(name)) throw streamDeletedError(name);
    const stream = log.stream(name);
    if (!stream || log.isSoftDeleted(name)) {
      const notFound = new ReadResp.StreamNotFound();
      notFound.setStreamIdentifier(streamIdentifier(name));
      await send(call, new ReadResp().setStreamNotFound(notFound));
      return;
    }
    // Stream metadata ($tb, $maxCount, $maxAge) hides events; revisions keep their numbers.
    const visible = log.visible(name) ?? [];
    const last = BigInt(stream.length) - 1n;
    let from: bigint;
    if (streamOptions.hasStart()) from = backwards ? -1n : 0n;
    else if (streamOptions.hasEnd()) from = backwards ? last : last + 1n;
    else from = uint64(streamOptions.getRevision(), 'Revision');
    if (backwards && from > last) from = last;
    const selected = backwards
      ? visible.filter((e) => e.revision <= from).reverse()
      : visible.filter((e) => e.revision >= from);
    let sent = 0n;
    for (const event of selected) {
      if (sent >= count || call.cancelled) return;
      await send(call, eventResponse(event, structuredIds, false));
      sent++;
    }
    return;
  }

  if (!options.hasAll()) throw invalidArgument('Read needs a stream or $all');
  const allOptions = options.getAll()!;
  const { matches } = filterOf(options);
  let index: number;
  if (allOptions.hasStart()) index = backwards ? -1 : 0;
  else if (allOptions.hasEnd()) index = backwards ? log.all.length - 1 : log.all.length;
  else {
    const p = allOptions.getPosition()!;
    const position = {
      commit: uint64(p.getCommitPosition(), 'Commit position'),
      prepare: uint64(p.getPreparePosition(), 'Prepare position'),
    };
    // Forwards from a position is inclusive, backwards is exclusive (AllReader).
    index = backwards ? log.indexFrom(position, false) - 1 : log.indexFrom(position, false);
  }
  let sent = 0n;
  for (let i = index; sent < count && i >= 0 && i < log.all.length; i += backwards ? -1 : 1) {
    if (call.cancelled) return;
    const event = log.all[i];
    if (!matches(event)) continue;
    await send(call, eventResponse(event, structuredIds, true));
    sent++;
  }
}

/**
 * A catch-up subscription to one stream (Enumerator.StreamSubscription): from the start, after a
 * revision, or from the end; history as reads see it (stream metadata applied), CaughtUp, then
 * live events. A tombstone ends it with StreamDeleted; a stream that does not exist yet is waited for.
 */
async function subscribeToStream(
  log: InMemoryLog,
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  options: ReadReq.Options,
  structuredIds: boolean,
) {
  const streamOptions = options.getStream()!;
  const name = streamName(streamOptions.getStreamIdentifier());
  const cancelled = new Promise<void>((resolve) => call.on('cancelled', () => resolve()));
  const confirmation = new ReadResp.SubscriptionConfirmation();
  confirmation.setSubscriptionId(randomUUID());
  await send(call, new ReadResp().setConfirmation(confirmation));

  let next: bigint;
  if (streamOptions.hasStart()) next = 0n;
  else if (streamOptions.hasEnd()) next = BigInt(log.stream(name)?.length ?? 0);
  else next = uint64(streamOptions.getRevision(), 'Revision') + 1n; // after that revision
  let caughtUp = false;
  while (!call.cancelled) {
    if (log.tombstoned.has(name)) throw streamDeletedError(name);
    for (const event of log.visible(name) ?? []) {
      if (call.cancelled) return;
      if (event.revision < next) continue;
      await send(call, eventResponse(event, structuredIds, false));
      next = event.revision + 1n;
    }
    if (!caughtUp) {
      await send(call, new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      caughtUp = true;
    }
    await Promise.race([log.changed(), cancelled]);
  }
}

async function subscribeToAll(
  log: InMemoryLog,
  call: grpc.ServerWritableStream<ReadReq, ReadResp>,
  options: ReadReq.Options,
  structuredIds: boolean,
) {
  const allOptions = options.getAll()!;
  const { matches, filtered, checkpointInterval } = filterOf(options);
  const cancelled = new Promise<void>((resolve) => call.on('cancelled', () => resolve()));

  const confirmation = new ReadResp.SubscriptionConfirmation();
  confirmation.setSubscriptionId(randomUUID());
  await send(call, new ReadResp().setConfirmation(confirmation));

  // `checkpoint` is the last position sent on towards the client (events after it are delivered).
  let checkpoint: { commit: bigint; prepare: bigint } | undefined;
  let index: number;
  if (allOptions.hasStart()) index = 0;
  else if (allOptions.hasEnd()) {
    index = log.all.length;
    checkpoint = log.all[index - 1];
  } else {
    const p = allOptions.getPosition()!;
    checkpoint = {
      commit: uint64(p.getCommitPosition(), 'Commit position'),
      prepare: uint64(p.getPreparePosition(), 'Prepare position'),
    };
    index = log.indexFrom(checkpoint, true);
  }

  const sendCheckpoint = async () => {
    if (!checkpoint) return;
    const message = new ReadResp.Checkpoint();
    message.setCommitPosition(checkpoint.commit.toString());
    message.setPreparePosition(checkpoint.prepare.toString());
    await send(call, new ReadResp().setCheckpoint(message));
  };

  let considered = 0;
  let caughtUp = false;
  while (!call.cancelled) {
    while (index < log.all.length && !call.cancelled) {
      const event = log.all[index++];
      considered++;
      if (matches(event)) await send(call, eventResponse(event, structuredIds, true));
      checkpoint = event;
      if (filtered && considered >= checkpointInterval) {
        considered %= checkpointInterval;
        await sendCheckpoint();
      }
    }
    if (call.cancelled) return;
    if (!caughtUp) {
      if (filtered) await sendCheckpoint();
      await send(call, new ReadResp().setCaughtUp(new ReadResp.CaughtUp()));
      caughtUp = true;
    }
    if (index >= log.all.length) await Promise.race([log.changed(), cancelled]);
  }
}
