import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore } from '../../libs/event-store/src/postgres/postgres.event-store';
import type {
  RecordedEvent,
  SubscriptionMessage,
} from '../../libs/event-store/src/event-store.port';
import { describeEventStoreContract } from './event-store.contract';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * jest declares tests synchronously, so reachability is probed synchronously, in a child process,
 * before the suite is declared.
 */
function reachable(): boolean {
  const probe = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(
      () => client.end().then(() => process.exit(0)),
      () => process.exit(1),
    );`;
  const result = spawnSync(process.execPath, ['-e', probe, databaseUrl], {
    cwd: __dirname,
    timeout: 10_000,
    stdio: 'ignore',
  });
  return result.status === 0;
}

/** Each run gets its own schema, dropped afterwards. */
async function openInFreshSchema() {
  const schema = `contract_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = await PostgresEventStore.connect({
    connectionString: databaseUrl,
    schema,
    pollIntervalMs: 200,
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}

if (reachable()) {
  describeEventStoreContract('postgres', openInFreshSchema);
  describeAppendsInFlight();
} else if (process.env.CI === 'true') {
  // On CI a missing database is a failure, never a silent skip.
  describe('EventStore contract [postgres]', () => {
    it(`needs PostgreSQL at ${databaseUrl} (CI=true)`, () => {
      throw new Error(`PostgreSQL is not reachable at ${databaseUrl}; set DATABASE_URL`);
    });
  });
} else {
  console.warn(
    `PostgreSQL is not reachable at ${databaseUrl}: the postgres contract suite is skipped. ` +
      'Set DATABASE_URL to run it.',
  );
  describe.skip('EventStore contract [postgres]', () => {
    it('needs PostgreSQL', () => undefined);
  });
}

/**
 * Positions are drawn without a global lock, so a later position can commit first. These hold an
 * append open in a transaction of their own, at a position below one that commits, and check
 * that nobody reads past the open one until it is done.
 */
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

    /** Appends inside a transaction left open on `open`; returns the position it drew. */
    async function appendLeftOpen(streamId: string, e = event()): Promise<bigint> {
      await open.query('BEGIN');
      const { rows } = await open.query<{ positions: string[] }>(
        `SELECT positions FROM ${store.schema}.es_append($1, 'any', $2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[])`,
        [streamId, [e.id], [e.type], [JSON.stringify(e.data)], [JSON.stringify(e.metadata)]],
      );
      return BigInt(rows[0].positions[0]);
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

    it('delivers a later commit only after the earlier position commits, both in order', async () => {
      const category = `inflight${randomUUID().slice(0, 8)}`;
      const { subscription, iterator, pending } = await subscribed(category);
      try {
        const early = await appendLeftOpen(`${category}-early`);
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
        expect(received.map((e) => e.streamId)).toEqual([`${category}-early`, `${category}-late`]);
      } finally {
        await subscription.close();
      }
    });

    it('moves on past a position whose append rolled back', async () => {
      const category = `inflight${randomUUID().slice(0, 8)}`;
      const { subscription, iterator, pending } = await subscribed(category);
      try {
        await appendLeftOpen(`${category}-doomed`);
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
