import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { StoreUnavailableError } from '../../libs/event-store/src/errors';
import { PostgresEventStore } from '../../libs/event-store/src/postgres/postgres.event-store';
import type {
  RecordedEvent,
  SubscriptionMessage,
} from '../../libs/event-store/src/event-store.port';
import { prepareQueries } from '../../libs/event-store/src/postgres/postgres.schema';
import { describeEventStoreContract } from './event-store.contract';
import { databaseUrl, describeWithPostgres, openInFreshSchema } from './postgres.fixture';

const APPEND_PATHS = ['es_append', 'one statement'] as const;
type AppendPath = (typeof APPEND_PATHS)[number];

describeWithPostgres('PostgreSQL', () => {
  describeEventStoreContract('postgres', openInFreshSchema);
  describeAppendsInFlight();
  describeClosing();
});

function describeClosing(): void {
  it('closes while callers wait for a connection: each is answered, then the pool ends', async () => {
    const schema = `closing_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const store = await PostgresEventStore.connect({
      connectionString: databaseUrl,
      schema,
      maxConnections: 1,
    });
    const held = await store.pool.connect();
    const appends = [1, 2, 3].map((n) =>
      store.appendToStream(`wait-${n}`, [
        { id: randomUUID(), type: 'Thing', data: { n }, metadata: { schemaVersion: 1 } },
      ]),
    );
    const reading = store.pool.query('SELECT 1 AS one');
    await new Promise((resolve) => setImmediate(resolve));
    expect(store.pool.waitingCount).toBeGreaterThan(0);
    const closing = store.close();
    held.release();
    await closing;
    // What waited in the pool had its connection and its outcome; appends still queued in the
    // store for their turn are refused as unavailable (not written), none left pending.
    await expect(reading).resolves.toMatchObject({ rows: [{ one: 1 }] });
    const outcomes = await Promise.allSettled(appends);
    const written = outcomes.filter((o) => o.status === 'fulfilled').length;
    expect(written).toBeGreaterThan(0);
    for (const o of outcomes) {
      if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(StoreUnavailableError);
    }
    const admin = new Client({ connectionString: databaseUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${schema}.es_events`,
      );
      expect(Number(rows[0].n)).toBe(written);
      await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    } finally {
      await admin.end();
    }
  });
}

function describeAppendsInFlight(): void {
  describe('PostgresEventStore with an append in flight', () => {
    let opened: Awaited<ReturnType<typeof openInFreshSchema>>;
    let store: PostgresEventStore;
    let open: Client;

    beforeAll(async () => {
      opened = await openInFreshSchema();
      store = opened.store;
    });
    afterAll(() => opened.cleanup());
    beforeEach(async () => {
      open = new Client({ connectionString: databaseUrl });
      await open.connect();
    });
    afterEach(async () => {
      await open.query('ROLLBACK').catch(() => undefined);
      await open.end();
    });

    const event = (type = 'Thing') => ({
      id: randomUUID(),
      type,
      data: { n: 1 },
      metadata: { schemaVersion: 1 },
    });

    /**
     * Appends inside a transaction left open on `open` and returns the position it drew: through
     * es_append (batches, and any append the one-statement path hands over) or through the
     * one-statement append of a single event.
     */
    async function appendLeftOpen(
      streamId: string,
      via: AppendPath = 'es_append',
      e = event(),
    ): Promise<bigint> {
      await open.query('BEGIN');
      const { rows } =
        via === 'es_append'
          ? await open.query<{ position: string }>(
              `SELECT positions[1] AS position FROM ${store.schema}.es_append($1, 'any', $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[])`,
              [streamId, [e.id], [e.type], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)]],
            )
          : await open.query<{ position: string }>(prepareQueries(store.schema).appendOne.text, [
              streamId,
              'any',
              null,
              e.id,
              e.type,
              JSON.stringify(e.data),
              JSON.stringify(e.metadata),
            ]);
      return BigInt(rows[0].position);
    }

    /** The next message, or 'nothing' when none comes within `ms`. */
    async function nextWithin(
      iterator: AsyncIterator<SubscriptionMessage>,
      pending: { next?: Promise<IteratorResult<SubscriptionMessage>> },
      ms: number,
    ): Promise<SubscriptionMessage | 'nothing'> {
      pending.next ??= iterator.next();
      let timer: NodeJS.Timeout | undefined;
      const result = await Promise.race([
        pending.next,
        new Promise<'nothing'>((resolve) => (timer = setTimeout(() => resolve('nothing'), ms))),
      ]);
      clearTimeout(timer);
      if (result === 'nothing') return result;
      pending.next = undefined;
      return result.value as SubscriptionMessage;
    }

    async function subscribed(category: string) {
      const subscription = store.subscribeToAll({
        from: 'end',
        filter: { categories: [category] },
      });
      const iterator = subscription[Symbol.asyncIterator]();
      expect((await iterator.next()).value).toMatchObject({ kind: 'caughtUp' });
      return { subscription, iterator, pending: {} };
    }

    it.each(APPEND_PATHS)(
      '(%s) delivers a later commit only after the earlier position commits, both in order',
      async (via) => {
        const category = `inflight${randomUUID().slice(0, 8)}`;
        const { subscription, iterator, pending } = await subscribed(category);
        try {
          const early = await appendLeftOpen(`${category}-early`, via);
          const late = await store.appendToStream(`${category}-late`, [event()]);
          expect(late.position > early).toBe(true);
          // The later event is committed and visible, but the earlier position is in flight.
          expect(await nextWithin(iterator, pending, 400)).toBe('nothing');
          await open.query('COMMIT');
          const received: RecordedEvent[] = [];
          for (let n = 0; n < 2; n++) {
            const message = await nextWithin(iterator, pending, 10_000);
            if (message !== 'nothing' && message.kind === 'event') received.push(message.event);
          }
          expect(received.map((e) => e.position)).toEqual([early, late.position]);
          expect(received.map((e) => e.streamId)).toEqual([
            `${category}-early`,
            `${category}-late`,
          ]);
        } finally {
          await subscription.close();
        }
      },
    );

    it.each(APPEND_PATHS)('(%s) moves on past a position whose append rolled back', async (via) => {
      const category = `inflight${randomUUID().slice(0, 8)}`;
      const { subscription, iterator, pending } = await subscribed(category);
      try {
        await appendLeftOpen(`${category}-doomed`, via);
        const late = await store.appendToStream(`${category}-late`, [event()]);
        expect(await nextWithin(iterator, pending, 400)).toBe('nothing');
        await open.query('ROLLBACK');
        const message = await nextWithin(iterator, pending, 10_000);
        expect(message).toMatchObject({ kind: 'event', event: { id: late.events[0].id } });
      } finally {
        await subscription.close();
      }
    });

    it('a read of $all and the head wait for an append in flight below them', async () => {
      const category = `inflight${randomUUID().slice(0, 8)}`;
      const early = await appendLeftOpen(`${category}-early`);
      const late = await store.appendToStream(`${category}-late`, [event()]);
      const reading = (async () => {
        const read: bigint[] = [];
        for await (const e of store.readAll({ filter: { categories: [category] } })) {
          read.push(e.position);
        }
        return read;
      })();
      const head = store.headPosition();
      let settled = false;
      void Promise.all([reading, head]).then(() => (settled = true));
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(settled).toBe(false);
      await open.query('COMMIT');
      expect(await reading).toEqual([early, late.position]);
      expect(await head).toBe(late.position);
    });
  });
}
