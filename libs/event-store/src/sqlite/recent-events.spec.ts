import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AllFilter, RecordedEvent, Subscription } from '../event-store.port';
import { RecentEvents } from './recent-events';
import { SqliteEventStore } from './sqlite.event-store';

const event = (type: string, n: number) => ({
  id: randomUUID(),
  type,
  data: { n },
  metadata: { schemaVersion: 1 },
});

/** Collects a subscription's events until `count` arrived. */
async function take(subscription: Subscription, count: number): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  for await (const message of subscription) {
    if (message.kind !== 'event') continue;
    seen.push(message.event);
    if (seen.length === count) break;
  }
  await subscription.close();
  return seen;
}

describe('SqliteEventStore: live subscriptions share the newest events', () => {
  let dir: string;
  let path: string;
  let store: SqliteEventStore;
  let other: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-recent-'));
    path = join(dir, 'events.db');
    store = SqliteEventStore.open({ path, pollIntervalMs: 10 });
    // Another process writing to the same file.
    other = SqliteEventStore.open({ path, pollIntervalMs: 10 });
  });

  afterEach(async () => {
    await other.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('each filtered subscription gets exactly its events, in order, whoever appended them', async () => {
    const filters: (AllFilter | undefined)[] = [
      undefined,
      { categories: ['order'] },
      { categories: ['invoice', 'order'] },
      { eventTypePrefixes: ['Paid'] },
      { categories: ['order'], eventTypePrefixes: ['Placed', 'Paid'] },
    ];
    const expected: RecordedEvent[][] = filters.map(() => []);
    const subscriptions = filters.map((filter) => store.subscribeToAll({ filter }));
    const writers = [store, other];
    const streams = ['order-1', 'order-2', 'invoice-1', 'ledger'];
    const types = ['Placed', 'Paid', 'Shipped', 'PaidBack'];
    for (let i = 0; i < 300; i++) {
      const writer = writers[i % 2];
      await writer.appendToStream(streams[i % streams.length], [event(types[i % 3], i)]);
      if (i % 7 === 0) {
        await writer.appendToStream(streams[(i + 1) % streams.length], [
          event(types[3], i),
          event(types[0], i),
        ]);
      }
    }
    for await (const stored of store.readAll()) {
      filters.forEach((filter, f) => {
        const category = stored.streamId.split('-')[0];
        if (filter?.categories && !filter.categories.includes(category)) return;
        if (filter?.eventTypePrefixes?.every((p) => !stored.type.startsWith(p))) return;
        expected[f].push(stored);
      });
    }
    const received = await Promise.all(
      subscriptions.map((subscription, f) => take(subscription, expected[f].length)),
    );
    received.forEach((events, f) => {
      expect(events.map((e) => e.position)).toEqual(expected[f].map((e) => e.position));
      expect(events.map((e) => e.data)).toEqual(expected[f].map((e) => e.data));
    });
  });

  it('a page stops at the limit and the next one goes on after it; a far-behind reader scans instead', () => {
    const log: RecordedEvent[] = Array.from({ length: 3_000 }, (_, i) => ({
      id: `e${i + 1}`,
      type: i % 2 ? 'Odd' : 'Even',
      data: {},
      metadata: { schemaVersion: 1 },
      streamId: 'n-1',
      revision: BigInt(i),
      position: BigInt(i + 1),
      recordedAt: new Date(0),
    }));
    const reads: [bigint, bigint][] = [];
    const recent = new RecentEvents((after, upTo) => {
      reads.push([after, upTo]);
      return log.filter((e) => e.position > after && e.position <= upTo);
    });
    const odd = { eventTypePrefixes: ['Odd'] };
    const first = recent.page(odd, 1_500n, 2_000n, 100)!;
    expect(first.events.map((e) => e.position)).toEqual(
      Array.from({ length: 100 }, (_, i) => BigInt(1_502 + 2 * i)),
    );
    expect(first).toMatchObject({ scannedTo: 1_700n, more: true });
    const rest = recent.page(odd, first.scannedTo, 2_000n, 1_000)!;
    expect(rest.events.map((e) => e.position)).toEqual(
      Array.from({ length: 150 }, (_, i) => BigInt(1_702 + 2 * i)),
    );
    expect(rest).toMatchObject({ scannedTo: 2_000n, more: false });
    // Only the new rows are read when the head moves on.
    const later = recent.page(undefined, 2_000n, 2_010n, 100)!;
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
});
