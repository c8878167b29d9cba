import { validateAppend, validateExpectedRevision } from './append-validation';
import type { EventStore, EventToAppend, ExpectedRevision } from './event-store.port';

/**
 * One stream's append, checked and serialised by `serializeAppend` (the port's own checks), as
 * plain strings: cheap to build on another thread and to post from there.
 */
export type SerializedAppend = {
  streamId: string;
  expectedRevision: ExpectedRevision;
  ids: string[];
  types: string[];
  data: string[];
  metadata: string[];
};

/**
 * A store that loads many appends at once (a seed, an import): the appends go in, in the order
 * given, with each one's checks and idempotency as through `appendToStream`, but in few large
 * transactions. Nothing is acknowledged per append: the promise settles once all are stored.
 */
export interface BulkAppender {
  appendSerialized(appends: readonly SerializedAppend[]): Promise<void>;
}

export function canAppendInBulk(store: EventStore): store is EventStore & BulkAppender {
  return typeof (store as Partial<BulkAppender>).appendSerialized === 'function';
}

/** An append through `validateAppend` (which throws InvalidAppendError), as strings. */
export function serializeAppend(
  streamId: string,
  events: readonly EventToAppend[],
  expectedRevision: ExpectedRevision,
): SerializedAppend {
  const json = validateAppend(streamId, events);
  const n = events.length;
  const append: SerializedAppend = {
    streamId,
    expectedRevision: validateExpectedRevision(expectedRevision),
    ids: new Array<string>(n),
    types: new Array<string>(n),
    data: new Array<string>(n),
    metadata: new Array<string>(n),
  };
  for (let i = 0; i < n; i++) {
    append.ids[i] = events[i].id.toLowerCase();
    append.types[i] = events[i].type;
    append.data[i] = json[i].data;
    append.metadata[i] = json[i].metadata;
  }
  return append;
}

/** The events of a serialised append again, for a path that takes events (a retry, a replay). */
export function deserializeAppend(append: SerializedAppend): EventToAppend[] {
  return append.ids.map((id, i) => ({
    id,
    type: append.types[i],
    data: JSON.parse(append.data[i]) as unknown,
    metadata: JSON.parse(append.metadata[i]) as EventToAppend['metadata'],
  }));
}
