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

/** `(commit << 64n) | prepare`; -1n when the server does not know the position. */
export function encodePosition(position: Position | undefined): GlobalPosition {
  if (!position || (position.commit === UINT64 && position.prepare === UINT64)) return -1n;
  return (position.commit << 64n) | position.prepare;
}

export function decodePosition(position: GlobalPosition): Position {
  if (position < 0n) throw new RangeError(`Position ${position} is not an EventStoreDB position`);
  return { commit: position >> 64n, prepare: position & UINT64 };
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
