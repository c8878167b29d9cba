import type { RecordedEvent } from './event-store.port';
import { keysetPage, readAllPages } from './paging';

/** A log of `count` events, read synchronously as the embedded store does. */
function syncLog(count: number) {
  const events: RecordedEvent[] = Array.from({ length: count }, (_, i) => ({
    id: `e${i + 1}`,
    type: 'T',
    data: {},
    metadata: { schemaVersion: 1 },
    streamId: 's-1',
    revision: BigInt(i),
    position: BigInt(i + 1),
    recordedAt: new Date(0),
  }));
  return (after: bigint, limit: number) =>
    keysetPage(events.slice(Number(after), Number(after) + Math.min(limit, 20)), after, 20);
}

function busy(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until);
}

describe('reading $all page by page', () => {
  it('lets the event loop turn during a long read whose reader never pauses, and delivers every event in order', async () => {
    let readWhenTimerRan: number | undefined;
    let read = 0;
    setImmediate(() => (readWhenTimerRan = read));
    const positions: bigint[] = [];
    // A reader that holds the CPU (about 0.1 ms per event, 2,000 events) and never awaits
    // anything but the iterator: before, the whole read ran without a turn of the event loop.
    for await (const event of readAllPages({}, syncLog(2_000))) {
      positions.push(event.position);
      read++;
      busy(0.1);
    }
    expect(positions).toEqual(Array.from({ length: 2_000 }, (_, i) => BigInt(i + 1)));
    expect(readWhenTimerRan).toBeDefined();
    expect(readWhenTimerRan).toBeLessThan(2_000);
  });
});
