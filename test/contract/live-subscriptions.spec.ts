import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import type {
  AllFilter,
  EventStore,
  RecordedEvent,
  Subscription,
} from '../../libs/event-store/src/event-store.port';
import { PostgresEventStore } from '../../libs/event-store/src/postgres/postgres.event-store';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite/sqlite.event-store';
import { databaseUrl, describeWithPostgres } from './postgres.fixture';

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

/**
 * Live subscriptions of one store share one read of the newest events (RecentEvents) and filter it
 * each for itself: each must still get exactly the events its filter passes, in order, whichever
 * process appended them.
 */
async function eachGetsItsOwn(store: EventStore, other: EventStore): Promise<void> {
  const filters: (AllFilter | undefined)[] = [
    undefined,
    { categories: ['order'] },
    { categories: ['invoice', 'order'] },
    { eventTypePrefixes: ['Paid'] },
    { categories: ['order'], eventTypePrefixes: ['Placed', 'Paid'] },
  ];
  const subscriptions = filters.map((filter) => store.subscribeToAll({ filter }));
  const writers = [store, other];
  const streams = ['order-1', 'order-2', 'invoice-1', 'ledger'];
  const types = ['Placed', 'Paid', 'Shipped', 'PaidBack'];
  await Promise.all(
    [0, 1].map(async (w) => {
      for (let i = w; i < 200; i += 2) {
        await writers[w].appendToStream(streams[i % streams.length], [event(types[i % 3], i)]);
        if (i % 7 === 0) {
          await writers[w].appendToStream(streams[(i + 1) % streams.length], [
            event(types[3], i),
            event(types[0], i),
          ]);
        }
      }
    }),
  );
  const expected: RecordedEvent[][] = filters.map(() => []);
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
}

describe('Live subscriptions of one store, two processes writing (sqlite)', () => {
  it('each filtered subscription gets exactly its events, in order', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-live-'));
    const path = join(dir, 'events.db');
    const store = SqliteEventStore.open({ path, pollIntervalMs: 10 });
    const other = SqliteEventStore.open({ path, pollIntervalMs: 10 });
    try {
      await eachGetsItsOwn(store, other);
    } finally {
      await other.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('Reads of $all after live subscriptions read the newest events (sqlite)', () => {
  it('answer what a store that never subscribed answers, from any position, filtered or not', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-live-'));
    const path = join(dir, 'events.db');
    const store = SqliteEventStore.open({ path, pollIntervalMs: 10 });
    const fresh = SqliteEventStore.open({ path, pollIntervalMs: 10 });
    const collect = async (from: EventStore, filter: AllFilter | undefined, at: bigint) => {
      const events: bigint[] = [];
      for await (const e of from.readAll({ filter, fromPosition: at })) events.push(e.position);
      return events;
    };
    try {
      for (let i = 0; i < 60; i++) {
        await store.appendToStream(i % 3 ? `order-${i % 4}` : 'invoice-1', [event('Placed', i)]);
      }
      // A live subscription makes the store hold the newest events; appends after it are not held.
      await take(store.subscribeToAll({ from: 20n }), 40);
      for (let i = 60; i < 70; i++) await store.appendToStream('order-9', [event('Paid', i)]);
      for (const filter of [
        undefined,
        { categories: ['order'] },
        { eventTypePrefixes: ['Paid'] },
      ]) {
        for (const at of [0n, 19n, 20n, 35n, 59n, 60n, 65n, 70n]) {
          expect(await collect(store, filter, at)).toEqual(await collect(fresh, filter, at));
        }
      }
    } finally {
      await fresh.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describeWithPostgres('Live subscriptions of one store, two processes writing (postgres)', () => {
  it('each filtered subscription gets exactly its events, in order', async () => {
    const schema = `live_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const open = () =>
      PostgresEventStore.connect({ connectionString: databaseUrl, schema, pollIntervalMs: 50 });
    const store = await open();
    const other = await open();
    try {
      await eachGetsItsOwn(store, other);
    } finally {
      await other.close();
      await store.close();
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).finally(() => admin.end());
    }
  });
});
