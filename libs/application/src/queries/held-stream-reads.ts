import type { EventStore, RecordedEvent } from '@aftercare/event-store';

/** Streams held by default: the customers read lately. */
export const HELD_READ_STREAMS = 1_000;
/** Events held in all, whatever the number of streams (about 1 KB of memory each). */
export const HELD_READ_EVENTS = 50_000;

/**
 * Streams the read side read lately, kept as read, so that the next read of one asks the store
 * only for what was appended since (by this process or any other): one indexed query that finds
 * nothing most of the time, instead of reading and decoding the whole history again (a
 * customer's timeline sorts their whole history by business time for every page). A stream is
 * append-only, so a held copy is always a true prefix of it.
 *
 * The events are shared by every read that gets them, so they are frozen, data and metadata
 * included: a caller that tried to change one would fail at once instead of changing what the
 * next reader sees. Personal data stays as stored (sealed): nothing revealed is held. Least
 * recently read streams are forgotten first, past `capacity` streams or `maxEvents` events.
 */
export class HeldStreamReads {
  private readonly streams = new Map<string, readonly RecordedEvent[]>();
  private events = 0;

  constructor(
    private readonly store: EventStore,
    private readonly capacity = HELD_READ_STREAMS,
    private readonly maxEvents = HELD_READ_EVENTS,
  ) {}

  /** Every event of `streamId` in revision order (none for a stream that does not exist). */
  async read(streamId: string): Promise<readonly RecordedEvent[]> {
    const known = this.streams.get(streamId);
    const after = known?.at(-1)?.revision;
    const newer: RecordedEvent[] = [];
    const reading = this.store.readStream(
      streamId,
      after === undefined ? undefined : { fromRevision: after + 1n },
    );
    for await (const event of reading) newer.push(frozen(event));
    const events = known && newer.length === 0 ? known : [...(known ?? []), ...newer];
    this.hold(streamId, events);
    return events;
  }

  /** Streams held now. */
  get size(): number {
    return this.streams.size;
  }

  private hold(streamId: string, events: readonly RecordedEvent[]): void {
    const held = this.streams.get(streamId);
    // A slower concurrent read must not replace a longer copy with a shorter one.
    if (held && held.length > events.length) events = held;
    if (held) {
      this.streams.delete(streamId);
      this.events -= held.length;
    }
    if (events.length === 0 || events.length > this.maxEvents || this.capacity <= 0) return;
    this.streams.set(streamId, events);
    this.events += events.length;
    for (const [oldest, copy] of this.streams) {
      if (this.streams.size <= this.capacity && this.events <= this.maxEvents) break;
      this.streams.delete(oldest);
      this.events -= copy.length;
    }
  }
}

function frozen(event: RecordedEvent): RecordedEvent {
  deepFreeze(event.data);
  deepFreeze(event.metadata);
  return Object.freeze(event);
}

function deepFreeze(value: unknown): void {
  if (value === null || typeof value !== 'object' || Object.isFrozen(value)) return;
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key]);
}
