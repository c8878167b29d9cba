/**
 * Conversions shared by the EventStoreDB adapter's parts: positions, recorded events, hidden
 * streams, errors.
 */
import {
  CancelledError,
  DeadlineExceededError,
  NotLeaderError,
  UnavailableError,
  type AllStreamResolvedEvent,
  type Position,
  MaxAppendSizeExceededError,
} from '@eventstore/db-client';
import { EventStoreError, InvalidAppendError, StoreUnavailableError } from '../errors';
import type { EventMetadata, GlobalPosition, RecordedEvent } from '../event-store.port';

const UINT64 = (1n << 64n) - 1n;
export const CHECKPOINT_CATEGORY = 'aftercareCheckpoint';

/**
 * Bits of a position that hold the prepare position's distance from the commit position (signed,
 * stored with a bias), below the commit position's 41 bits: every position fits the 63 bits of a
 * signed 64-bit integer, the width the read-model stores keep checkpoints in.
 */
const OFFSET_BITS = 22n;
const OFFSET_BIAS = 1n << (OFFSET_BITS - 1n);
const OFFSET_MASK = (1n << OFFSET_BITS) - 1n;
/** 2 TiB of transaction log. */
const MAX_COMMIT = (1n << (63n - OFFSET_BITS)) - 1n;
/** Positions at or above this are of the adapter's earlier form, `(commit << 64n) | prepare`. */
const WIDE = 1n << 64n;

/**
 * The port's position of an EventStoreDB (commit, prepare) pair: `commit << 22n`, plus the
 * prepare's distance from the commit (+-2 MiB, biased), so that positions order by commit, then
 * prepare, as $all does. A current server commits each event itself (prepare = commit); the events
 * of an append written with a commit record (older servers) lie before it, within the append's
 * size (KurrentDB's default maximum append is 1 MiB). -1n when the server does not know the
 * position. A pair outside that range is refused rather than given a position out of order.
 */
export function encodePosition(position: Position | undefined): GlobalPosition {
  if (!position || (position.commit === UINT64 && position.prepare === UINT64)) return -1n;
  const { commit, prepare } = position;
  const offset = prepare - commit + OFFSET_BIAS;
  if (commit > MAX_COMMIT || offset < 0n || offset > OFFSET_MASK) {
    throw new RangeError(
      `EventStoreDB position (commit ${commit}, prepare ${prepare}) is beyond what this adapter ` +
        'can order in 63 bits: a log up to 2 TiB, prepares within 2 MiB of their commit',
    );
  }
  return (commit << OFFSET_BITS) | offset;
}

export function decodePosition(position: GlobalPosition): Position {
  if (position < 0n) throw new RangeError(`Position ${position} is not an EventStoreDB position`);
  if (position >= WIDE) return { commit: position >> 64n, prepare: position & UINT64 };
  const commit = position >> OFFSET_BITS;
  const prepare = commit + (position & OFFSET_MASK) - OFFSET_BIAS;
  return { commit, prepare: prepare < 0n ? 0n : prepare };
}

/**
 * A position in this adapter's form: one of its earlier, wider form (a checkpoint or an SSE
 * client's Last-Event-ID saved before) is converted, so that it compares with the positions read.
 */
export function normalizePosition(position: GlobalPosition): GlobalPosition {
  return position >= WIDE ? encodePosition(decodePosition(position)) : position;
}

export type EsdbRecorded = NonNullable<AllStreamResolvedEvent['event']>;

export function isHidden(event: { streamId: string; type: string }): boolean {
  return (
    event.streamId.startsWith('$') ||
    event.type.startsWith('$') ||
    event.streamId.startsWith(`${CHECKPOINT_CATEGORY}-`)
  );
}

export function toRecorded(event: EsdbRecorded): RecordedEvent {
  const metadata =
    event.metadata && !(event.metadata instanceof Uint8Array)
      ? (event.metadata as EventMetadata)
      : ({ schemaVersion: 1 } as EventMetadata);
  return {
    id: event.id,
    type: event.type,
    data: event.data,
    metadata,
    streamId: event.streamId,
    revision: event.revision,
    position: encodePosition(event.position),
    recordedAt: event.created,
  };
}

export function isUnavailable(error: unknown): boolean {
  if (
    error instanceof UnavailableError ||
    error instanceof DeadlineExceededError ||
    error instanceof NotLeaderError ||
    error instanceof CancelledError
  ) {
    return true;
  }
  const code = (error as { code?: unknown } | undefined)?.code;
  // Raw gRPC statuses: 4 DEADLINE_EXCEEDED, 14 UNAVAILABLE.
  if (code === 4 || code === 14) return true;
  return (
    error instanceof Error && /Failed to discover|ECONNREFUSED|No connection/i.test(error.message)
  );
}

/** KurrentDB's default MaxAppendSize: the most one append may carry, in bytes. */
export const DEFAULT_MAX_APPEND_SIZE = 1024 * 1024;

/**
 * An append heavier than the server accepts. An append is atomic, so it is refused whole rather
 * than split; the caller must send fewer events per append.
 */
export class AppendTooLargeError extends InvalidAppendError {
  constructor(
    readonly streamId: string,
    /** The append's size as the server counts it, or undefined when the server refused it. */
    readonly size: number | undefined,
    readonly maxAppendSize: number,
  ) {
    super(
      `Append to '${streamId}' ${size === undefined ? 'is' : `is ${size} bytes,`} over the server's maximum append size of ${maxAppendSize} bytes: nothing was written; append fewer events at a time`,
    );
    this.name = 'AppendTooLargeError';
  }
}

/** An append's size as KurrentDB counts it (Event.SizeOnDisk): data + metadata + 2 bytes per type character. */
export function appendSize(
  events: readonly { type: string; data: string; metadata: string }[],
): number {
  let size = 0;
  for (const e of events) {
    size += Buffer.byteLength(e.data) + Buffer.byteLength(e.metadata) + e.type.length * 2;
  }
  return size;
}

export function mapError(error: unknown, what: string, streamId?: string): unknown {
  if (error instanceof EventStoreError) return error;
  if (error instanceof MaxAppendSizeExceededError) {
    return new AppendTooLargeError(streamId ?? '?', undefined, error.maxAppendSize);
  }
  if (isUnavailable(error)) {
    return new StoreUnavailableError(
      `EventStoreDB is unavailable (${what}): ${(error as Error).message}`,
      error,
    );
  }
  return error;
}
