import { matchesFilter } from '../append-validation';
import type { AllFilter, RecordedEvent } from '../event-store.port';
import type { ScannedPage } from '../paging';

/** How far behind the head a subscription may be and still be served from the recent events. */
export const RECENT_SPAN = 2_000n;
/** Events held before the older half is dropped. */
const RECENT_MAX = 4_000;

/**
 * The newest events of the log, read and parsed once for every live subscription of a connection.
 * An append wakes every subscription (in the API: each projection, the score index, signals,
 * playbooks, webhooks); each used to run a filtered query of its own and parse the same rows
 * again, about a sixth of a write's CPU. Now the first one woken reads the new rows, unfiltered,
 * and each filters the parsed events in memory.
 *
 * Rows are never updated nor deleted, and a position is visible only once every position before it
 * is (appends take positions inside BEGIN IMMEDIATE), so what was read up to a head read stays
 * true. The events are shared by every subscriber: consumers treat them as read-only.
 */
export class RecentEvents {
  /** The events with from < position <= to, in order. */
  private events: RecordedEvent[] = [];
  private from = 0n;
  private to = 0n;

  /** `read(after, upTo)`: every event with after < position <= upTo, in order. */
  constructor(private readonly read: (after: bigint, upTo: bigint) => RecordedEvent[]) {}

  /**
   * Up to `limit` events after `after` that pass `filter`, up to `head` (read just before), as a
   * subscription's page; undefined when `after` is more than RECENT_SPAN behind the head (a
   * catch-up: the caller scans the store instead).
   */
  page(
    filter: AllFilter | undefined,
    after: bigint,
    head: bigint,
    limit: number,
  ): ScannedPage | undefined {
    if (head <= after) return { events: [], scannedTo: after, more: false };
    if (head - after > RECENT_SPAN) return undefined;
    this.cover(after, head);
    const events: RecordedEvent[] = [];
    for (let i = this.firstAfter(after); i < this.events.length; i++) {
      const event = this.events[i];
      if (event.position > head) break;
      if (!matchesFilter(filter, event.streamId, event.type)) continue;
      events.push(event);
      if (events.length === limit) return { events, scannedTo: event.position, more: true };
    }
    return { events, scannedTo: head, more: false };
  }

  /** Makes the held events cover (after, head]. */
  private cover(after: bigint, head: bigint): void {
    if (after < this.from || after > this.to || head < this.to) {
      this.events = this.read(after, head);
      this.from = after;
      this.to = head;
      return;
    }
    if (head > this.to) {
      for (const event of this.read(this.to, head)) this.events.push(event);
      this.to = head;
    }
    if (this.events.length > RECENT_MAX) {
      const dropped = this.events.length - RECENT_MAX / 2;
      this.from = this.events[dropped - 1].position;
      this.events = this.events.slice(dropped);
    }
  }

  /** Index of the first held event after `after` (binary search: positions ascend). */
  private firstAfter(after: bigint): number {
    let low = 0;
    let high = this.events.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (this.events[mid].position <= after) low = mid + 1;
      else high = mid;
    }
    return low;
  }
}
