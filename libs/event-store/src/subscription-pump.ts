/**
 * The catch-up subscription of the SQL adapters (SQLite, PostgreSQL). An adapter supplies how a
 * page after a position is fetched and when to look again (a wake-up: an append in this process,
 * a NOTIFY; otherwise the poll timer).
 */
import type {
  GlobalPosition,
  SubscribeToAllOptions,
  Subscription,
  SubscriptionMessage,
} from './event-store.port';
import type { MaybePromise, ScannedPage } from './paging';

/** The live subscriptions of one store, woken when something may have been appended. */
export class WakeUps {
  private readonly wakers = new Set<() => void>();

  /** Returns what unregisters `wake`. */
  register(wake: () => void): () => void {
    this.wakers.add(wake);
    return () => this.wakers.delete(wake);
  }

  wakeAll(): void {
    for (const wake of this.wakers) wake();
  }

  clear(): void {
    this.wakers.clear();
  }
}

/** The exclusive start of a subscription; `head` is read for 'end' only. */
export function subscriptionStart(
  from: SubscribeToAllOptions['from'],
  head: () => MaybePromise<GlobalPosition>,
): MaybePromise<GlobalPosition> {
  const start = from ?? 'start';
  return start === 'start' ? 0n : start === 'end' ? head() : start;
}

export interface CatchUpSource {
  /** Exclusive start position; a promise when it has to be read first. */
  start: MaybePromise<GlobalPosition>;
  /** The next page after `after`. */
  fetch: (after: GlobalPosition) => MaybePromise<ScannedPage>;
  wakeUps: WakeUps;
  pollIntervalMs: number;
  storeClosed: () => boolean;
}

/**
 * Catch-up subscription: pages through history, says caughtUp once, then waits for a wake-up or
 * the poll timer and reads again. Pulls one page at a time, so a slow consumer holds at most one
 * page in memory (back-pressure).
 */
export class CatchUpSubscription implements Subscription {
  private cursor = 0n;
  private page: ScannedPage['events'] = [];
  private index = 0;
  private started = false;
  private caughtUpSent = false;
  /** How far the consumer knows it has everything: the last event delivered, caughtUp, checkpoint. */
  private reported = 0n;
  private closed = false;
  /** Bumped by every wake-up, so one that lands while a page is being read is not lost. */
  private version = 0;
  private waiting: (() => void) | undefined;
  private readonly unsubscribe: () => void;

  constructor(private readonly source: CatchUpSource) {
    // Unhandled until the first pull; the subscription surfaces the error then.
    if (source.start instanceof Promise) source.start.catch(() => undefined);
    this.unsubscribe = source.wakeUps.register(() => this.wake());
  }

  [Symbol.asyncIterator](): AsyncIterator<SubscriptionMessage> {
    return {
      next: () => this.next(),
      return: async () => {
        await this.close();
        return { done: true, value: undefined };
      },
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    this.unsubscribe();
    this.wake();
  }

  private wake(): void {
    this.version++;
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }

  private isClosed(): boolean {
    return this.closed || this.source.storeClosed();
  }

  private async next(): Promise<IteratorResult<SubscriptionMessage>> {
    if (!this.started) {
      this.cursor = await this.source.start;
      this.started = true;
    }
    for (;;) {
      if (this.isClosed()) return { done: true, value: undefined };
      if (this.index < this.page.length) {
        const event = this.page[this.index++];
        this.reported = event.position;
        return { done: false, value: { kind: 'event', event } };
      }
      const version = this.version;
      let page: ScannedPage;
      try {
        page = await this.source.fetch(this.cursor);
      } catch (error) {
        if (this.isClosed()) return { done: true, value: undefined };
        throw error;
      }
      this.cursor = page.scannedTo;
      this.page = page.events;
      this.index = 0;
      if (page.events.length) continue;
      if (page.more) {
        // An empty window of a rare filter: let timers and I/O run before scanning the next one,
        // or a catch-up over a large store would hold the event loop for the whole scan.
        await new Promise((resolve) => setImmediate(resolve));
        continue;
      }
      if (!this.caughtUpSent) {
        this.caughtUpSent = true;
        this.reported = this.cursor;
        const position = this.cursor > 0n ? this.cursor : undefined;
        return { done: false, value: { kind: 'caughtUp', position } };
      }
      if (this.cursor > this.reported) {
        // Looked past events the filter leaves out: say how far nothing is left to deliver.
        this.reported = this.cursor;
        return { done: false, value: { kind: 'checkpoint', position: this.cursor } };
      }
      if (version === this.version) await this.waitForWake();
    }
  }

  private waitForWake(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined;
        resolve();
      }, this.source.pollIntervalMs);
      this.waiting = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
