import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { type LoadedStream, loadedStream, upcastRecorded } from './load-stream';

/** Streams kept by default: the busiest customers of an instance, a few MB of events. */
export const LOADED_STREAMS_CAPACITY = 2_000;

/**
 * The streams the write path loaded lately, so the next command on one reads from the store only
 * what was appended since (by this process or any other) instead of the whole history. A stream
 * is append-only, so what was read stays a true prefix of it; the revision the command appends at
 * still comes from the store's latest answer, and the store's expected-revision check stays exact.
 * Least recently used streams are forgotten first.
 */
export class LoadedStreams {
  private readonly streams = new Map<string, readonly RecordedEvent[]>();

  constructor(private readonly capacity = LOADED_STREAMS_CAPACITY) {}

  async load(store: EventStore, streamId: string): Promise<LoadedStream> {
    const known = this.streams.get(streamId) ?? [];
    const after = known.at(-1)?.revision;
    const events = known.slice();
    const newer = store.readStream(
      streamId,
      after === undefined ? undefined : { fromRevision: after + 1n },
    );
    for await (const event of newer) events.push(upcastRecorded(event));
    this.remember(streamId, events);
    return loadedStream(streamId, events);
  }

  /** Streams held now. */
  get size(): number {
    return this.streams.size;
  }

  private remember(streamId: string, events: RecordedEvent[]): void {
    if (events.length === 0 || this.capacity <= 0) return;
    const held = this.streams.get(streamId);
    // A slower concurrent load must not replace a longer prefix with a shorter one.
    if (held && held.length > events.length) return;
    this.streams.delete(streamId);
    this.streams.set(streamId, events.slice());
    if (this.streams.size > this.capacity) {
      this.streams.delete(this.streams.keys().next().value as string);
    }
  }
}
