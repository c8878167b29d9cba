import type { RecordedEvent } from './event-store.port';
import type { ScannedPage } from './paging';
import { RecentEvents } from './recent-events';

/** A log of `length` events in one stream, 'Even' and 'Odd' by turns, at positions 1 on. */
function oddsAndEvens(length: number): RecordedEvent[] {
  return Array.from({ length }, (_, i) => ({
    id: `e${i + 1}`,
    type: i % 2 ? 'Odd' : 'Even',
    data: {},
    metadata: { schemaVersion: 1 },
    streamId: 'n-1',
    revision: BigInt(i),
    position: BigInt(i + 1),
    recordedAt: new Date(0),
  }));
}

describe('RecentEvents', () => {
  it('a page stops at the limit and the next one goes on after it; a far-behind reader scans instead', () => {
    const log = oddsAndEvens(3_000);
    const reads: [bigint, bigint][] = [];
    const recent = new RecentEvents((after, upTo) => {
      reads.push([after, upTo]);
      return log.filter((e) => e.position > after && e.position <= upTo);
    });
    const odd = { eventTypePrefixes: ['Odd'] };
    const page = (...args: Parameters<RecentEvents['page']>) => recent.page(...args) as ScannedPage;
    const first = page(odd, 1_500n, 2_000n, 100);
    expect(first.events.map((e) => e.position)).toEqual(
      Array.from({ length: 100 }, (_, i) => BigInt(1_502 + 2 * i)),
    );
    expect(first).toMatchObject({ scannedTo: 1_700n, more: true });
    const rest = page(odd, first.scannedTo, 2_000n, 1_000);
    expect(rest.events.map((e) => e.position)).toEqual(
      Array.from({ length: 150 }, (_, i) => BigInt(1_702 + 2 * i)),
    );
    expect(rest).toMatchObject({ scannedTo: 2_000n, more: false });
    // Only the new rows are read when the head moves on.
    const later = page(undefined, 2_000n, 2_010n, 100);
    expect(later.events).toHaveLength(10);
    expect(reads).toEqual([
      [1_500n, 2_000n],
      [2_000n, 2_010n],
    ]);
    expect(recent.page(undefined, 0n, 2_010n, 100)).toBeUndefined();
    expect(recent.page(undefined, 2_010n, 2_010n, 100)).toEqual({
      events: [],
      scannedTo: 2_010n,
      more: false,
    });
  });

  it('serves a read from what it holds without reading, up to where it holds', () => {
    const log = oddsAndEvens(50);
    let reads = 0;
    const recent = new RecentEvents((after, upTo) => {
      reads++;
      return log.filter((e) => e.position > after && e.position <= upTo);
    });
    const odd = { eventTypePrefixes: ['Odd'] };
    expect(recent.heldPage(odd, 10n, 100)).toBeUndefined();
    recent.page(undefined, 10n, 40n, 100);
    const held = recent.heldPage(odd, 30n, 3)!;
    expect(held.events.map((e) => e.position)).toEqual([32n, 34n, 36n]);
    expect(held).toMatchObject({ scannedTo: 36n, more: true });
    expect(recent.heldPage(odd, 36n, 100)).toMatchObject({ scannedTo: 40n, more: true });
    expect(recent.heldPage(odd, 36n, 100)!.events.map((e) => e.position)).toEqual([38n, 40n]);
    // Outside what is held (before it, or at its end): the caller reads the store.
    expect(recent.heldPage(odd, 5n, 100)).toBeUndefined();
    expect(recent.heldPage(odd, 40n, 100)).toBeUndefined();
    expect(reads).toBe(1);
  });

  it('with an asynchronous read, pages asked for at once each read what the one before left', async () => {
    const log: RecordedEvent[] = Array.from({ length: 30 }, (_, i) => ({
      id: `e${i + 1}`,
      type: 'Noted',
      data: {},
      metadata: { schemaVersion: 1 },
      streamId: `n-${i % 3}`,
      revision: BigInt(i),
      position: BigInt(i + 1),
      recordedAt: new Date(0),
    }));
    const reads: [bigint, bigint][] = [];
    const recent = new RecentEvents(async (after, upTo) => {
      reads.push([after, upTo]);
      await new Promise((resolve) => setTimeout(resolve, 5));
      return log.filter((e) => e.position > after && e.position <= upTo);
    });
    const pages = await Promise.all([
      recent.page(undefined, 0n, 10n, 100),
      recent.page({ categories: ['n'] }, 5n, 20n, 100),
      recent.page(undefined, 10n, 20n, 100),
    ]);
    expect(pages.map((p) => p!.events.map((e) => Number(e.position)))).toEqual([
      [1, 2, 3, 4, 5, 6, 7, 8, 9, 10],
      [6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
      [11, 12, 13, 14, 15, 16, 17, 18, 19, 20],
    ]);
    expect(reads).toEqual([
      [0n, 10n],
      [10n, 20n],
    ]);
  });
});
