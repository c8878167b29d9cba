/**
 * Single-event appends that pile up in one process go to PostgreSQL together, in one statement
 * and one commit (postgres.append-groups.ts); each must still meet exactly the outcome it would
 * have met alone: appended at the right revision, idempotent, or refused for its expected revision.
 */
import { randomUUID } from 'node:crypto';
import {
  StoreUnavailableError,
  WrongExpectedVersionError,
} from '../../libs/event-store/src/errors';
import type { EventStore, RecordedEvent } from '../../libs/event-store/src/event-store.port';
import { PostgresEventStore } from '../../libs/event-store/src/postgres/postgres.event-store';
import { databaseUrl, describeWithPostgres } from './postgres.fixture';

const event = (id = randomUUID()) => ({
  id,
  type: 'Thing',
  data: { n: 1 },
  metadata: { schemaVersion: 1 },
});

async function readStream(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const e of store.readStream(streamId)) events.push(e);
  return events;
}

describeWithPostgres('PostgreSQL single appends sent together', () => {
  const schema = `groups_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let store: PostgresEventStore;

  beforeAll(async () => {
    // One round trip at a time: whatever is asked while it is out goes in the next, together.
    store = await PostgresEventStore.connect({
      connectionString: databaseUrl,
      schema,
      appendsInFlight: 1,
    });
  });

  afterAll(async () => {
    await store.pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await store.close();
  });

  it('gives each append of a group the outcome it would have had alone', async () => {
    const existing = event();
    await store.appendToStream('order-existing', [existing]);
    const sent = jest.spyOn(store.pool, 'query');

    const busy = store.appendToStream('order-busy', [event()]);
    const [first, second, refused, repeated, fresh, wrongRevision] = await Promise.allSettled([
      store.appendToStream('order-pair', [event()], { expectedRevision: 'no_stream' }),
      store.appendToStream('order-pair', [event()], { expectedRevision: 0n }),
      store.appendToStream('order-existing', [event()], { expectedRevision: 'no_stream' }),
      store.appendToStream('order-existing', [existing]),
      store.appendToStream('order-fresh', [event()], { expectedRevision: 'any' }),
      store.appendToStream('order-existing', [event()], { expectedRevision: 5n }),
    ]);
    await busy;

    const groupCalls = sent.mock.calls.filter(([query]: unknown[]) =>
      String((query as { name?: string } | undefined)?.name).endsWith('.append-each'),
    );
    sent.mockRestore();
    expect(groupCalls).toHaveLength(1);

    expect(first).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0n } });
    expect(second).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 1n } });
    expect(refused).toMatchObject({ status: 'rejected' });
    expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    expect((refused as PromiseRejectedResult).reason).toMatchObject({ actual: 0n });
    expect(repeated).toMatchObject({
      status: 'fulfilled',
      value: { alreadyStored: true, nextExpectedRevision: 0n },
    });
    expect(fresh).toMatchObject({ status: 'fulfilled', value: { nextExpectedRevision: 0n } });
    expect((wrongRevision as PromiseRejectedResult).reason).toMatchObject({
      expected: 5n,
      actual: 0n,
    });

    expect((await readStream(store, 'order-pair')).map((e) => e.revision)).toEqual([0n, 1n]);
    expect(await readStream(store, 'order-existing')).toHaveLength(1);
    // Positions handed back are the ones stored, and the group's events can be read at them.
    const pair = await readStream(store, 'order-pair');
    expect(pair.map((e) => e.position)).toEqual([
      (first as PromiseFulfilledResult<{ position: bigint }>).value.position,
      (second as PromiseFulfilledResult<{ position: bigint }>).value.position,
    ]);
  });

  it('refuses the appends still waiting for their turn when the store closes, as unavailable', async () => {
    const closing = await PostgresEventStore.connect({
      connectionString: databaseUrl,
      schema,
      appendsInFlight: 1,
    });
    await closing.appendToStream('closing-0', [event()]);
    // Asked for while the answer just given is forming the next group: they wait for it.
    const waiting = [1, 2, 3].map((n) => closing.appendToStream(`closing-${n}`, [event()]));
    await closing.close();
    const outcomes = await Promise.allSettled(waiting);
    expect(outcomes.map((o) => o.status)).toEqual(['rejected', 'rejected', 'rejected']);
    for (const refused of outcomes) {
      expect((refused as PromiseRejectedResult).reason).toBeInstanceOf(StoreUnavailableError);
    }
    for (const n of [1, 2, 3]) expect(await readStream(store, `closing-${n}`)).toEqual([]);
  });

  it('delivers a group to a live subscriber once each, in position order', async () => {
    const subscription = store.subscribeToAll({
      from: (await store.headPosition()) ?? 0n,
      filter: { categories: ['live'] },
    });
    const received: RecordedEvent[] = [];
    const reading = (async () => {
      for await (const message of subscription) {
        if (message.kind === 'event') received.push(message.event);
        if (received.length === 40) break;
      }
    })();
    const appended = await Promise.all(
      Array.from({ length: 40 }, (_, i) => store.appendToStream(`live-${i % 7}`, [event()])),
    );
    await reading;
    await subscription.close();
    const positions = appended.map((a) => a.position).sort((a, b) => (a < b ? -1 : 1));
    expect(received.map((e) => e.position)).toEqual(positions);
  });
});
