import type { ExpectedRevision, StreamRevision } from './event-store.port';

/** Base class of every error the port raises, so callers can tell store errors apart. */
export abstract class EventStoreError extends Error {
  abstract readonly code: string;
}

export class WrongExpectedVersionError extends EventStoreError {
  readonly code = 'wrong_expected_version';
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedRevision,
    /** The stream's current revision, or 'no_stream' when it does not exist. */
    readonly actual: StreamRevision | 'no_stream',
  ) {
    super(
      `Append to stream '${streamId}' expected revision ${String(expected)} but the stream is at ${String(actual)}`,
    );
    this.name = 'WrongExpectedVersionError';
  }
}

/** The append request itself is malformed; nothing was written. */
export class InvalidAppendError extends EventStoreError {
  readonly code = 'invalid_append';
  constructor(message: string) {
    super(message);
    this.name = 'InvalidAppendError';
  }
}

export class StoreUnavailableError extends EventStoreError {
  readonly code = 'store_unavailable';
  constructor(
    message: string,
    readonly cause?: unknown,
  ) {
    super(message);
    this.name = 'StoreUnavailableError';
  }
}
