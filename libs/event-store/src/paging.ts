/**
 * Keyset paging shared by the SQL adapters (SQLite, PostgreSQL). An adapter only fetches one page
 * of rows, synchronously or not; the cursors, read limits and filtered-scan windows live here.
 */
import type {
  GlobalPosition,
  ReadAllOptions,
  ReadStreamOptions,
  RecordedEvent,
} from './event-store.port';

export type MaybePromise<T> = T | Promise<T>;

/** Rows per query. */
export const PAGE_SIZE = 1000;
/** Positions a filtered scan looks at per query. */
export const SCAN_WINDOW = 20_000n;
const MAX_REVISION = 9223372036854775807n;

export interface ScannedPage {
  events: RecordedEvent[];
  /** The position up to which the log has been looked at (the next page starts after it). */
  scannedTo: bigint;
  /** Whether the log goes on past scannedTo (read again without waiting). */
  more: boolean;
}

/**
 * A stream read, page by page: `fetch` returns up to `limit` events from revision `cursor` on
 * (inclusive; downwards when `options.direction` is 'backwards').
 */
export function readStreamPages(
  options: ReadStreamOptions,
  fetch: (cursor: bigint, limit: number) => MaybePromise<RecordedEvent[]>,
): AsyncIterable<RecordedEvent> {
  const backwards = options.direction === 'backwards';
  const from = options.fromRevision ?? (backwards ? 'end' : 'start');
  let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
  let cursor: bigint =
    from === 'start' ? 0n : from === 'end' ? (backwards ? MAX_REVISION : MAX_REVISION + 1n) : from;
  return pages(async () => {
    if (remaining <= 0 || cursor < 0n || cursor > MAX_REVISION) return undefined;
    const limit = Math.min(PAGE_SIZE, remaining);
    const events = await fetch(cursor, limit);
    remaining = events.length < limit ? 0 : remaining - events.length;
    if (!events.length) return undefined;
    cursor = events[events.length - 1].revision + (backwards ? -1n : 1n);
    return events;
  });
}

/** A read of $all, page by page: `scan` returns the next page of up to `limit` events after `after`. */
export function readAllPages(
  options: ReadAllOptions,
  scan: (after: bigint, limit: number) => MaybePromise<ScannedPage>,
): AsyncIterable<RecordedEvent> {
  let cursor =
    options.fromPosition === undefined || options.fromPosition === 'start'
      ? 0n
      : options.fromPosition;
  let remaining = options.maxCount ?? Number.POSITIVE_INFINITY;
  return pages(async () => {
    if (remaining <= 0) return undefined;
    const page = await scan(cursor, Math.min(PAGE_SIZE, remaining));
    cursor = page.scannedTo;
    remaining -= page.events.length;
    if (page.events.length) return page.events;
    return page.more ? [] : undefined;
  });
}

/** The page of an unfiltered read of up to `limit` events after `after`. */
export function keysetPage(events: RecordedEvent[], after: bigint, limit: number): ScannedPage {
  return {
    events,
    scannedTo: events.length ? events[events.length - 1].position : after,
    more: events.length === limit,
  };
}

/**
 * Where a filtered scan after `after` stops: SCAN_WINDOW positions on at most, and never past the
 * head read before the query. So a rare filter never makes one long scan, and the cursor moves on
 * even when nothing matched.
 */
export function scanWindowEnd(after: bigint, head: bigint, window = SCAN_WINDOW): bigint {
  const end = after + window;
  return head < after ? after : head < end ? head : end;
}

/** The page of a filtered scan of the positions (after, to]; `head` is the head read before it. */
export function windowPage(
  events: RecordedEvent[],
  limit: number,
  to: bigint,
  head: bigint,
): ScannedPage {
  if (events.length === limit) {
    return { events, scannedTo: events[events.length - 1].position, more: true };
  }
  return { events, scannedTo: to, more: to < head };
}

/** A position column as a driver returns it (null or no row: none). */
export function positionOf(value: number | string | null | undefined): GlobalPosition | undefined {
  return value === null || value === undefined ? undefined : BigInt(value);
}

/**
 * How long a read may go on from page to page without letting the event loop turn. A synchronous
 * adapter (SQLite) fetches a page inside `next()`, and iterating resolves in microtasks only, so a
 * reader that does not pause itself would otherwise hold the event loop for its whole read.
 */
const READ_SLICE_MS = 10;

/**
 * An async iterable over pages: `load` returns the next page, `[]` when a page had nothing to
 * deliver but the scan goes on (the loop then yields to the event loop), `undefined` at the end.
 * Before a page is loaded the loop also yields when READ_SLICE_MS have passed since it last did.
 * A hand-written iterator costs less per item than an async generator.
 */
function pages<T>(load: () => Promise<T[] | undefined>): AsyncIterable<T> {
  return {
    [Symbol.asyncIterator](): AsyncIterator<T> {
      let page: T[] | undefined = [];
      let index = 0;
      let first = true;
      let sliceStarted = performance.now();
      return {
        next: async (): Promise<IteratorResult<T>> => {
          for (;;) {
            if (!page) return { done: true, value: undefined };
            if (index < page.length) return { done: false, value: page[index++] };
            // An empty page in the middle of a scan, or a slice used: let other work run first.
            if (
              !first &&
              (page.length === 0 || performance.now() - sliceStarted >= READ_SLICE_MS)
            ) {
              await new Promise((resolve) => setImmediate(resolve));
              sliceStarted = performance.now();
            }
            first = false;
            page = await load();
            index = 0;
          }
        },
        return: async (): Promise<IteratorResult<T>> => {
          page = undefined;
          return { done: true, value: undefined };
        },
      };
    },
  };
}
