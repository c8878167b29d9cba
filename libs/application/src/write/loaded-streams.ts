import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { type LoadedStream, loadedStream, upcastRecorded } from './load-stream';

/** Streams kept by default: the busiest customers of an instance, a few MB of events. */
export const LOADED_STREAMS_CAPACITY = 2_000;

/**
 * The streams the write path loaded or appended to lately, so the next command on one reads from
 * the store only what was appended since (by this process or any other) instead of the whole
 * history, or nothing at all (`held`): a stream is append-only, so what was read stays a true
 * prefix of it, and an append at the revision held is checked by the store, which refuses it when
 * anyone wrote in between. Least recently used streams are forgotten first.
 */
export class LoadedStreams {
  private readonly streams = new Map<string, readonly RecordedEvent[]>();

  constructor(private readonly capacity = LOADED_STREAMS_CAPACITY) {}

  /** Reads what was appended since the held copy (the whole stream when none is held). */
  async load(store: EventStore, streamId: string): Promise<LoadedStream> {
    const known = this.streams.get(streamId) ?? [];
    const after = known.at(-1)?.revision;
    const events = known.slice();
    const newer = store.readStream(
      streamId,
      after === undefined ? undefined : { fromRevision: after + 1n },
    );
    for await (const event of newer) events.push(upcastRecorded(event));
    this.remember(streamId, events.slice());
    return loadedStream(streamId, events);
  }

  /**
   * The held copy without asking the store, undefined when none is held. It may miss what another
   * process appended since: only an append at its revision, which the store checks, may rely on it.
   */
  held(streamId: string): LoadedStream | undefined {
    const known = this.streams.get(streamId);
    if (!known) return undefined;
    this.streams.delete(streamId);
    this.streams.set(streamId, known);
    return loadedStream(streamId, known.slice());
  }

  /** Adds events just appended to the held copy, when they follow it directly. */
  appended(streamId: string, stored: readonly RecordedEvent[]): void {
    const known = this.streams.get(streamId);
    const first = stored[0];
    if (!first) return;
    const next = known ? (known.at(-1)?.revision ?? -1n) + 1n : 0n;
    if (first.revision !== next) return;
    this.remember(streamId, known ? [...known, ...stored] : [...stored]);
  }

  /** Streams held now. */
  get size(): number {
    return this.streams.size;
  }

  /** Holds `events` (an array no caller has). */
  private remember(streamId: string, events: RecordedEvent[]): void {
    if (events.length === 0 || this.capacity <= 0) return;
    const held = this.streams.get(streamId);
    // A slower concurrent load must not replace a longer prefix with a shorter one.
    if (held && held.length > events.length) return;
    this.streams.delete(streamId);
    this.streams.set(streamId, events);
    if (this.streams.size > this.capacity) {
      this.streams.delete(this.streams.keys().next().value as string);
    }
  }
}
