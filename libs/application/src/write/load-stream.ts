import { upcastEvent, type AftercareEvent } from '@aftercare/domain';
import type { EventStore, ExpectedRevision, RecordedEvent } from '@aftercare/event-store';

/** One stream as the write path sees it: every event in the shape the domain knows today. */
export interface LoadedStream {
  streamId: string;
  events: RecordedEvent[];
  /** Revision of the last event, undefined when the stream does not exist. */
  revision: bigint | undefined;
  /** What to append with so nobody else wrote in between. */
  expectedRevision: ExpectedRevision;
  /**
   * Where the event with this id is in `events` (-1: not there), without scanning them when the
   * stream was held: a command checks for an earlier run of itself on every write.
   */
  indexOf(eventId: string): number;
}

/** Reads a whole stream (one aggregate's history), applying the domain's upcasters. */
export async function loadStream(store: EventStore, streamId: string): Promise<LoadedStream> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(streamId)) events.push(upcastRecorded(event));
  return loadedStream(streamId, events);
}

/**
 * A stream as read: its events (upcast) and the revision to append at. `ids` (event id -> index,
 * covering at least `events`) answers `indexOf` without a scan.
 */
export function loadedStream(
  streamId: string,
  events: RecordedEvent[],
  ids?: ReadonlyMap<string, number>,
): LoadedStream {
  const last = events.at(-1);
  const count = events.length;
  return {
    streamId,
    events,
    revision: last?.revision,
    expectedRevision: last ? last.revision : 'no_stream',
    indexOf: ids
      ? (eventId) => {
          // The index may have grown since: only what this copy holds counts.
          const index = ids.get(eventId);
          return index !== undefined && index < count ? index : -1;
        }
      : (eventId) => events.findIndex((event) => event.id === eventId),
  };
}

/**
 * A stored event in the current schema of its type (unknown types pass through untouched). Hash
 * chain links stay as stored: they cover the stored data.
 */
export function upcastRecorded(event: RecordedEvent): RecordedEvent {
  return upcastEvent(event);
}

/** The domain events of a loaded stream, for folding with a decider's `evolve`. */
export function domainEvents<E extends AftercareEvent>(stream: LoadedStream): E[] {
  return stream.events.map((event) => ({ type: event.type, data: event.data }) as E);
}
