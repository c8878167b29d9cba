import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { type LoadedStream, loadedStream, upcastRecorded } from './load-stream';

/** Streams kept by default: the busiest customers of an instance, a few MB of events. */
export const LOADED_STREAMS_CAPACITY = 2_000;

/** A stream held: its events from revision 0 on, and where each event id is among them. */
interface HeldStream {
  readonly events: readonly RecordedEvent[];
  readonly ids: ReadonlyMap<string, number>;
}

/**
 * The streams the write path loaded or appended to lately, so the next command on one reads from
 * the store only what was appended since (by this process or any other) instead of the whole
 * history, or nothing at all (`held`): a stream is append-only, so what was read stays a true
 * prefix of it, and an append at the revision held is checked by the store, which refuses it when
 * anyone wrote in between. Least recently used streams are forgotten first.
 */
export class LoadedStreams {
  private readonly streams = new Map<string, HeldStream>();

  constructor(private readonly capacity = LOADED_STREAMS_CAPACITY) {}

  /** Reads what was appended since the held copy (the whole stream when none is held). */
  async load(store: EventStore, streamId: string): Promise<LoadedStream> {
    const known = this.streams.get(streamId);
    const after = known?.events.at(-1)?.revision;
    const events = known ? known.events.slice() : [];
    const newer = store.readStream(
      streamId,
      after === undefined ? undefined : { fromRevision: after + 1n },
    );
    for await (const event of newer) events.push(upcastRecorded(event));
    const held = this.remember(streamId, events.slice(), known);
    return loadedStream(streamId, events, held?.ids);
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
    return loadedStream(streamId, known.events.slice(), known.ids);
  }

  /** Adds events just appended to the held copy, when they follow it directly. */
  appended(streamId: string, stored: readonly RecordedEvent[]): void {
    const known = this.streams.get(streamId);
    const first = stored[0];
    if (!first) return;
    const next = known ? (known.events.at(-1)?.revision ?? -1n) + 1n : 0n;
    if (first.revision !== next) return;
    this.remember(streamId, known ? [...known.events, ...stored] : [...stored], known);
  }

  /** Streams held now. */
  get size(): number {
    return this.streams.size;
  }

  /**
   * Holds `events` (an array no caller has), extending the id index of `before`, the copy they
   * were built on (its events are their prefix), rather than indexing them all again. Returns
   * what is held now for the stream.
   */
  private remember(
    streamId: string,
    events: RecordedEvent[],
    before: HeldStream | undefined,
  ): HeldStream | undefined {
    if (events.length === 0 || this.capacity <= 0) return undefined;
    const held = this.streams.get(streamId);
    // A slower concurrent load must not replace a longer prefix with a shorter one.
    if (held && held.events.length > events.length) return held;
    const ids = before && held === before ? (before.ids as Map<string, number>) : new Map();
    for (let i = ids.size; i < events.length; i++) ids.set(events[i].id, i);
    const next: HeldStream = { events, ids };
    this.streams.delete(streamId);
    this.streams.set(streamId, next);
    if (this.streams.size > this.capacity) {
      this.streams.delete(this.streams.keys().next().value as string);
    }
    return next;
  }
}
