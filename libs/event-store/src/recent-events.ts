import { matchesFilter } from './append-validation';
import type { AllFilter, RecordedEvent } from './event-store.port';
import type { MaybePromise, ScannedPage } from './paging';

/** How far behind the head a subscription may be and still be served from the recent events. */
export const RECENT_SPAN = 2_000n;
/** Events held before the older half is dropped. */
const RECENT_MAX = 4_000;

/**
 * The newest events of the log, read and parsed once for every live subscription of a store.
 * An append wakes every subscription (in the API: each projection, the score index, signals,
 * playbooks, webhooks); each used to run a filtered query of its own and parse the same rows
 * again, about a sixth of a write's CPU. Now the first one woken reads the new rows, unfiltered,
 * and each filters the parsed events in memory.
 *
 * The caller passes a head up to which the log is final: rows are never updated nor deleted, and
 * no position at or below that head can appear later (SQLite: positions are taken inside BEGIN
 * IMMEDIATE; PostgreSQL: the high-water mark), so what was read up to it stays true. The events
 * are shared by every subscriber: consumers treat them as read-only.
 */
export class RecentEvents {
  /** The events with from < position <= to, in order. */
  private events: RecordedEvent[] = [];
  private from = 0n;
  private to = 0n;
  /** Reads in flight (an asynchronous store): each starts when the one before has landed. */
  private reading: Promise<void> = Promise.resolve();
  private inFlight = 0;

  /** `read(after, upTo)`: every event with after < position <= upTo, in order. */
  constructor(
    private readonly read: (after: bigint, upTo: bigint) => MaybePromise<RecordedEvent[]>,
  ) {}

  /**
   * Up to `limit` events after `after` that pass `filter`, up to `head` (final, read just before),
   * as a subscription's page; undefined when `after` is more than RECENT_SPAN behind the head (a
   * catch-up: the caller scans the store instead). Synchronous when `read` is.
   */
  page(
    filter: AllFilter | undefined,
    after: bigint,
    head: bigint,
    limit: number,
  ): MaybePromise<ScannedPage | undefined> {
    if (head <= after) return { events: [], scannedTo: after, more: false };
    if (head - after > RECENT_SPAN) return undefined;
    const covered = this.cover(after, head);
    if (covered === undefined) return this.select(filter, after, head, limit);
    return covered.then(() => this.select(filter, after, head, limit));
  }

  /**
   * Up to `limit` of the events already held after `after` that pass `filter`, without reading
   * anything: undefined unless `after` lies within what is held. For reads of $all that start near
   * the head (the score index's steps read what its sources followed since its last one): the page
   * ends where the held events do (`more`), and the caller reads on from there.
   */
  heldPage(filter: AllFilter | undefined, after: bigint, limit: number): ScannedPage | undefined {
    if (this.inFlight > 0 || after < this.from || after >= this.to) return undefined;
    return { ...this.select(filter, after, this.to, limit), more: true };
  }

  private select(
    filter: AllFilter | undefined,
    after: bigint,
    head: bigint,
    limit: number,
  ): ScannedPage {
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

  /** Makes the held events cover (after, head]; a promise while an asynchronous read runs. */
  private cover(after: bigint, head: bigint): Promise<void> | undefined {
    const plan = this.plan(after, head);
    if (!plan) return undefined;
    if (this.inFlight === 0) {
      const rows = this.read(plan.after, plan.upTo);
      if (!(rows instanceof Promise)) {
        this.apply(plan, rows);
        return undefined;
      }
      return this.track(rows.then((events) => this.apply(plan, events)));
    }
    // Reads land in the order asked: this one is planned on what those before it left.
    return this.track(
      this.reading.then(async () => {
        const next = this.plan(after, head);
        if (next) this.apply(next, await this.read(next.after, next.upTo));
      }),
    );
  }

  private track(landed: Promise<void>): Promise<void> {
    this.inFlight++;
    const done = landed.finally(() => {
      this.inFlight--;
    });
    this.reading = done.catch(() => undefined);
    return done;
  }

  private plan(
    after: bigint,
    head: bigint,
  ): { after: bigint; upTo: bigint; reset: boolean } | undefined {
    if (after < this.from || after > this.to || head < this.to)
      return { after, upTo: head, reset: true };
    if (head > this.to) return { after: this.to, upTo: head, reset: false };
    return undefined;
  }

  private apply(
    plan: { after: bigint; upTo: bigint; reset: boolean },
    events: RecordedEvent[],
  ): void {
    if (plan.reset) {
      this.events = events;
      this.from = plan.after;
    } else {
      for (const event of events) this.events.push(event);
    }
    this.to = plan.upTo;
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
