/**
 * PostgreSQL appends commit side by side, so a later position can become visible before an
 * earlier one. Readers must still get every committed event exactly once, in position order:
 * eight writers append (single events to their own and to shared streams, the odd batch), one
 * append is held open while later ones commit, another rolls back, and a live subscriber, a
 * catch-up subscription and a polling `$all` reader each check what they got.
 */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import type {
  AllFilter,
  EventStore,
  ExpectedRevision,
  RecordedEvent,
  Subscription,
} from '../../libs/event-store/src/event-store.port';
import { PostgresEventStore } from '../../libs/event-store/src/postgres/postgres.event-store';
import {
  LISTENER_LOCK_CLASS,
  lockKey,
  prepareQueries,
} from '../../libs/event-store/src/postgres/postgres.schema';
import { databaseUrl, describeWithPostgres, openInFreshSchema } from './postgres.fixture';

const WRITERS = 8;
const APPENDS_PER_WRITER = 30;

const event = (type = 'Thing') => ({
  id: randomUUID(),
  type,
  data: { n: 1 },
  metadata: { schemaVersion: 1 },
});

/** Waits until `done()` holds, checking every few milliseconds; fails after `ms`. */
async function until(
  done: () => boolean | Promise<boolean>,
  what: string,
  ms = 30_000,
): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

/** Everything a subscription delivers, up to and including the event of type 'Sentinel'. */
function collect(subscription: Subscription): { events: RecordedEvent[]; done: Promise<void> } {
  const events: RecordedEvent[] = [];
  const done = (async () => {
    for await (const message of subscription) {
      if (message.kind !== 'event') continue;
      events.push(message.event);
      if (message.event.type === 'Sentinel') return;
    }
  })();
  return { events, done };
}

/** Reads `$all` over and over from where it got to, as a polling consumer does. */
function pollAll(store: EventStore, from: bigint, filter: AllFilter) {
  const events: RecordedEvent[] = [];
  const done = (async () => {
    let after = from;
    for (;;) {
      for await (const e of store.readAll({ fromPosition: after, filter })) {
        events.push(e);
        after = e.position;
        if (e.type === 'Sentinel') return;
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
  })();
  return { events, done };
}

describeWithPostgres('PostgreSQL writers side by side', () => {
  let opened: Awaited<ReturnType<typeof openInFreshSchema>>;
  let slow: Client;
  let doomed: Client;

  beforeAll(async () => {
    opened = await openInFreshSchema();
    slow = new Client({ connectionString: databaseUrl });
    doomed = new Client({ connectionString: databaseUrl });
    await Promise.all([slow.connect(), doomed.connect()]);
  });
  afterAll(async () => {
    await Promise.all([slow.end(), doomed.end()]);
    await opened.cleanup();
  });

  it('every committed event reaches a live subscriber, a catch-up subscription and a $all reader once, in order; a rolled-back one never', async () => {
    const { store } = opened;
    const category = `writers${randomUUID().slice(0, 8)}`;
    const filter = { categories: [category] };
    const from = (await store.headPosition()) ?? 0n;
    // Live from the head: nothing to catch up on, so it reads the log as it grows.
    const liveSubscription = store.subscribeToAll({ from, filter });
    const live = collect(liveSubscription);
    const polled = pollAll(store, from, filter);

    const acknowledged: RecordedEvent[] = [];
    const writing = Array.from({ length: WRITERS }, async (_, w) => {
      let own: ExpectedRevision = 'no_stream';
      for (let i = 0; i < APPENDS_PER_WRITER; i++) {
        // Mostly single events on the writer's own stream with the exact revision, every third
        // on a stream all writers share, every tenth a batch of two (the stored function).
        const shared = i % 3 === 0;
        const batch = i % 10 === 9 ? [event(), event()] : [event()];
        const result = await store.appendToStream(
          shared ? `${category}-shared${w % 2}` : `${category}-w${w}`,
          batch,
          { expectedRevision: shared ? 'any' : own },
        );
        if (!shared) own = result.nextExpectedRevision;
        acknowledged.push(...result.events);
      }
    });

    // An append of one event (the one-statement path) and a batch (es_append), each in a
    // transaction left open while the writers commit later positions; the batch rolls back.
    await until(() => acknowledged.length >= 40, 'the first appends');
    const e = event();
    await slow.query('BEGIN');
    const { rows } = await slow.query<{ position: string }>(
      prepareQueries(store.schema).appendOne.text,
      [`${category}-slow`, 'any', null, e.id, e.type, JSON.stringify(e.data), '{}'],
    );
    const slowPosition = BigInt(rows[0].position);
    const gone = [event(), event()];
    await doomed.query('BEGIN');
    await doomed.query(
      `SELECT * FROM ${store.schema}.es_append($1, 'any', $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[])`,
      [
        `${category}-doomed`,
        gone.map((g) => g.id),
        gone.map((g) => g.type),
        gone.map((g) => JSON.stringify(g.data)),
        gone.map(() => '{}'),
      ],
    );
    // A catch-up subscription from the start reads history while both are open.
    const catchUpSubscription = store.subscribeToAll({ from, filter });
    const catchUp = collect(catchUpSubscription);

    const heldAt = acknowledged.length;
    await until(() => acknowledged.length >= heldAt + 60, 'appends while one is held open');
    // Later positions are committed and acknowledged, yet nobody has read past the open append.
    expect(acknowledged.some((a) => a.position > slowPosition)).toBe(true);
    for (const reader of [live, catchUp, polled]) {
      expect(reader.events.filter((r) => r.position >= slowPosition)).toEqual([]);
    }
    await slow.query('COMMIT');
    await doomed.query('ROLLBACK');
    await Promise.all(writing);
    const sentinel = await store.appendToStream(`${category}-end`, [event('Sentinel')]);

    try {
      await Promise.all([live.done, catchUp.done, polled.done]);
      const expected = [...acknowledged.map((a) => a.id), e.id, sentinel.events[0].id].sort();
      for (const reader of [live, catchUp, polled]) {
        const ids = reader.events.map((r) => r.id);
        expect(ids.length).toBe(expected.length);
        expect([...ids].sort()).toEqual(expected);
        const positions = reader.events.map((r) => r.position);
        expect(positions.every((p, i) => i === 0 || p > positions[i - 1])).toBe(true);
      }
    } finally {
      await Promise.all([liveSubscription.close(), catchUpSubscription.close()]);
    }
  });

  it("wakes another store's subscription without its polling, once that store listens", async () => {
    // A schema of its own, where nothing else listens, and two stores on it, as two processes
    // would open them: one writes, the other polls once an hour, so only a NOTIFY wakes it.
    const fresh = await openInFreshSchema();
    const { store: writer } = fresh;
    const { schema } = writer;
    const other = await PostgresEventStore.connect({
      connectionString: databaseUrl,
      schema,
      pollIntervalMs: 3_600_000,
    });
    const category = `elsewhere${randomUUID().slice(0, 8)}`;
    const subscription = other.subscribeToAll({ from: 'end', filter: { categories: [category] } });
    try {
      const iterator = subscription[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toMatchObject({ kind: 'caughtUp' });
      // Listening: its connection holds the listener lock once LISTEN is in place.
      await until(async () => {
        const { rows } = await writer.pool.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM pg_locks
           WHERE locktype = 'advisory' AND classid = $1 AND objid = $2 AND granted`,
          [LISTENER_LOCK_CLASS, lockKey(schema)],
        );
        return rows[0].n > 0;
      }, 'the other store to listen');
      for (let n = 0; n < 3; n++) {
        const appended = await writer.appendToStream(`${category}-${n}`, [event()]);
        const { value } = await iterator.next();
        expect(value).toMatchObject({ kind: 'event', event: { id: appended.events[0].id } });
      }
    } finally {
      await subscription.close();
      await other.close();
      await fresh.cleanup();
    }
  });
});
