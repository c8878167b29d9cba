/**
 * Consumer groups (persistent subscriptions to $all) of the EventStoreDB adapter, against the
 * protocol test server and, when EVENTSTORE_URL is set, a real server.
 */
import { randomUUID } from 'node:crypto';
import {
  ConsumerGroupDroppedError,
  ConsumerGroupExistsError,
  ConsumerGroupNotFoundError,
  EventStoreDbEventStore,
  type ConsumerGroupMessage,
  type ConsumerGroupSubscription,
  type CreateConsumerGroupOptions,
} from '../../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import type { EventToAppend } from '../../libs/event-store/src/event-store.port';
import { startEsdbTestServer } from '../support/esdb-test-server/esdb-test-server';

jest.setTimeout(60_000);

interface Fixture {
  store: EventStoreDbEventStore;
  /** How long a timed-out message may take to come back (the server checks every second). */
  timeoutSlackMs: number;
  cleanup(): Promise<void>;
}

const event = (type: string, data: Record<string, unknown> = {}): EventToAppend => ({
  id: randomUUID(),
  type,
  data,
  metadata: { schemaVersion: 1 },
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor(what: string, condition: () => boolean, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(20);
  }
}

/** Runs a consumer in the background; `handle` decides what to do with each message. */
function consume(
  subscription: ConsumerGroupSubscription,
  handle: (message: ConsumerGroupMessage) => Promise<void> | void = (m) => m.ack(),
) {
  const received: ConsumerGroupMessage[] = [];
  let failure: unknown;
  const done = (async () => {
    try {
      for await (const message of subscription) {
        received.push(message);
        await handle(message);
      }
    } catch (error) {
      failure = error;
    }
  })();
  return {
    received,
    done,
    get failure() {
      return failure;
    },
  };
}

function describeConsumerGroups(name: string, setup: () => Promise<Fixture>) {
  describe(`consumer groups: ${name}`, () => {
    let fixture: Fixture;
    let store: EventStoreDbEventStore;
    const open: ConsumerGroupSubscription[] = [];
    const groups: string[] = [];

    beforeAll(async () => {
      fixture = await setup();
      store = fixture.store;
    });

    afterEach(async () => {
      await Promise.all(open.splice(0).map((s) => s.close()));
      for (const group of groups.splice(0)) {
        await store.deleteConsumerGroup(group).catch(() => undefined);
      }
    });

    afterAll(async () => {
      await fixture.cleanup();
    });

    /** A category no other test (or earlier run against a real server) writes to. */
    const newCategory = () => `ps${randomUUID().replace(/-/g, '')}`;

    async function createGroup(options: CreateConsumerGroupOptions = {}) {
      const group = `aftercare-test-${randomUUID()}`;
      await store.createConsumerGroup(group, options);
      groups.push(group);
      return group;
    }

    async function join(group: string, bufferSize = 10) {
      const subscription = await store.subscribeToConsumerGroup(group, { bufferSize });
      open.push(subscription);
      return subscription;
    }

    it('maps existing and missing groups to typed errors', async () => {
      const group = await createGroup();
      await expect(store.createConsumerGroup(group)).rejects.toBeInstanceOf(
        ConsumerGroupExistsError,
      );
      const missing = `aftercare-missing-${randomUUID()}`;
      await expect(store.subscribeToConsumerGroup(missing)).rejects.toBeInstanceOf(
        ConsumerGroupNotFoundError,
      );
      await expect(store.deleteConsumerGroup(missing)).rejects.toBeInstanceOf(
        ConsumerGroupNotFoundError,
      );
      await expect(store.replayParked(missing)).rejects.toBeInstanceOf(ConsumerGroupNotFoundError);
      await expect(
        store.createConsumerGroup(`aftercare-bad-${randomUUID()}`, {
          filter: { categories: ['customer'], eventTypePrefixes: ['Complaint'] },
        }),
      ).rejects.toBeInstanceOf(RangeError);
    });

    it('shares the work between two consumers without delivering an event to both', async () => {
      const category = newCategory();
      const group = await createGroup({ filter: { categories: [category] } });
      const a = consume(await join(group, 5));
      const b = consume(await join(group, 5));
      const ids: string[] = [];
      for (let s = 0; s < 8; s++) {
        const events = Array.from({ length: 5 }, (_, n) => event('Happened', { s, n }));
        ids.push(...events.map((e) => e.id));
        await store.appendToStream(`${category}-${s}`, events);
      }
      await waitFor('all events', () => a.received.length + b.received.length >= ids.length);
      await sleep(300);
      const idsA = a.received.map((m) => m.event.id);
      const idsB = b.received.map((m) => m.event.id);
      expect(idsA.length).toBeGreaterThan(0);
      expect(idsB.length).toBeGreaterThan(0);
      expect(idsA.filter((id) => idsB.includes(id))).toEqual([]);
      expect([...idsA, ...idsB].sort()).toEqual([...ids].sort());
      expect([...a.received, ...b.received].every((m) => m.retryCount === 0)).toBe(true);
      // Events of other categories never reach the group; system events are never shown.
      expect(
        [...a.received, ...b.received].every((m) => m.event.streamId.startsWith(category)),
      ).toBe(true);
    });

    it('starts after an exclusive position and skips nothing after it', async () => {
      const category = newCategory();
      const first = await store.appendToStream(`${category}-1`, [event('First')]);
      await store.appendToStream(`${category}-1`, [event('Second')]);
      const group = await createGroup({ from: first.position, filter: { categories: [category] } });
      const consumer = consume(await join(group));
      await store.appendToStream(`${category}-2`, [event('Third')]);
      await waitFor('two events', () => consumer.received.length >= 2);
      await sleep(200);
      expect(consumer.received.map((m) => m.event.type)).toEqual(['Second', 'Third']);
      expect(consumer.received[0].event.position).toBeGreaterThan(first.position);
    });

    it('redelivers a message nacked with retry, with its retry count', async () => {
      const category = newCategory();
      const group = await createGroup({ filter: { categories: [category] }, maxRetryCount: 5 });
      const consumer = consume(await join(group), (m) =>
        m.retryCount < 2 ? m.nack('retry', 'not yet') : m.ack(),
      );
      const appended = await store.appendToStream(`${category}-1`, [event('Flaky')]);
      await waitFor('three deliveries', () => consumer.received.length >= 3);
      await sleep(300);
      expect(consumer.received.map((m) => [m.event.id, m.retryCount])).toEqual([
        [appended.events[0].id, 0],
        [appended.events[0].id, 1],
        [appended.events[0].id, 2],
      ]);
      await expect(consumer.received[2].ack()).rejects.toThrow(/already acked/);
    });

    it('retries a message that is not acked within the message timeout', async () => {
      const category = newCategory();
      const group = await createGroup({
        filter: { categories: [category] },
        messageTimeoutMs: 300,
      });
      const consumer = consume(await join(group), (m) =>
        m.retryCount === 0 ? undefined : m.ack(),
      );
      const appended = await store.appendToStream(`${category}-1`, [event('Slow')]);
      await waitFor(
        'the redelivery',
        () => consumer.received.length >= 2,
        300 + fixture.timeoutSlackMs,
      );
      expect(consumer.received.map((m) => [m.event.id, m.retryCount])).toEqual([
        [appended.events[0].id, 0],
        [appended.events[0].id, 1],
      ]);
    });

    it('gives the unacked messages of a consumer that leaves to another one', async () => {
      const category = newCategory();
      const group = await createGroup({
        filter: { categories: [category] },
        consumerStrategy: 'DispatchToSingle',
      });
      const first = await join(group, 10);
      const holder = consume(first, () => undefined); // never acks
      const appended = await store.appendToStream(
        `${category}-1`,
        Array.from({ length: 3 }, (_, n) => event('Held', { n })),
      );
      await waitFor('the held messages', () => holder.received.length >= 3);
      const second = consume(await join(group, 10));
      await sleep(200);
      expect(second.received).toHaveLength(0);
      await first.close();
      await waitFor('the handover', () => second.received.length >= 3);
      expect(second.received.map((m) => [m.event.id, m.retryCount])).toEqual(
        appended.events.map((e) => [e.id, 1]),
      );
    });

    it('parks after maxRetryCount retries and replays parked messages on request', async () => {
      const category = newCategory();
      const group = await createGroup({ filter: { categories: [category] }, maxRetryCount: 2 });
      let failing = true;
      const consumer = consume(await join(group), (m) =>
        m.event.type === 'Poison' && failing ? m.nack('retry', 'cannot handle') : m.ack(),
      );
      const poison = await store.appendToStream(`${category}-1`, [event('Poison')]);
      await waitFor('three attempts', () => consumer.received.length >= 3);
      // Parked after the third attempt: later events still flow, the poison one does not return.
      await store.appendToStream(`${category}-2`, [event('Fine')]);
      await waitFor('the next event', () => consumer.received.some((m) => m.event.type === 'Fine'));
      await sleep(300);
      expect(consumer.received.map((m) => [m.event.type, m.retryCount])).toEqual([
        ['Poison', 0],
        ['Poison', 1],
        ['Poison', 2],
        ['Fine', 0],
      ]);
      failing = false;
      await store.replayParked(group);
      await waitFor('the replayed message', () => consumer.received.length >= 5);
      await sleep(300);
      const replayed = consumer.received[4];
      expect(consumer.received).toHaveLength(5);
      expect(replayed.event.id).toBe(poison.events[0].id);
      expect(replayed.retryCount).toBe(0);
    });

    it('parks on nack park, and forgets on nack skip', async () => {
      const category = newCategory();
      const group = await createGroup({ filter: { categories: [category] } });
      let replaying = false;
      const consumer = consume(await join(group), (m) => {
        if (replaying) return m.ack();
        return m.event.type === 'Park' ? m.nack('park', 'later') : m.nack('skip', 'never');
      });
      await store.appendToStream(`${category}-1`, [event('Park'), event('Skip')]);
      await waitFor('both events', () => consumer.received.length >= 2);
      await sleep(300);
      expect(consumer.received.map((m) => m.event.type)).toEqual(['Park', 'Skip']);
      replaying = true;
      await store.replayParked(group);
      await waitFor('the parked event', () => consumer.received.length >= 3);
      await sleep(300);
      expect(consumer.received.map((m) => m.event.type)).toEqual(['Park', 'Skip', 'Park']);
    });

    it('Pinned: every event of one customer stream goes to one consumer, in order', async () => {
      const category = newCategory();
      const group = await createGroup({
        filter: { categories: [category] },
        consumerStrategy: 'Pinned',
      });
      // Each consumer processes one message at a time and acks it before taking the next.
      const handler = async (m: ConsumerGroupMessage) => {
        await sleep(Math.random() * 3);
        await m.ack();
      };
      const a = consume(await join(group, 4), handler);
      const b = consume(await join(group, 4), handler);
      // 13 streams: an odd count, so that even plain round-robin would split streams.
      const streams = Array.from({ length: 13 }, (_, i) => `${category}-customer${i}`);
      for (let round = 0; round < 6; round++) {
        for (const stream of streams) {
          await store.appendToStream(stream, [event('Interaction', { round })]);
        }
      }
      const total = streams.length * 6;
      await waitFor('all events', () => a.received.length + b.received.length >= total);
      await sleep(300);
      const owner = new Map<string, 'a' | 'b'>();
      for (const [who, consumer] of [
        ['a', a],
        ['b', b],
      ] as const) {
        const revisions = new Map<string, bigint[]>();
        for (const m of consumer.received) {
          expect(m.retryCount).toBe(0);
          expect(owner.get(m.event.streamId) ?? who).toBe(who);
          owner.set(m.event.streamId, who);
          revisions.set(m.event.streamId, [
            ...(revisions.get(m.event.streamId) ?? []),
            m.event.revision,
          ]);
        }
        for (const list of revisions.values()) {
          expect(list).toEqual(list.map((_, i) => BigInt(i)));
        }
      }
      expect(a.received.length + b.received.length).toBe(total);
      expect(new Set(owner.values()).size).toBe(2);
    });

    it('drops connected consumers when the group is deleted', async () => {
      const group = await createGroup({ filter: { categories: [newCategory()] } });
      const consumer = consume(await join(group));
      await store.deleteConsumerGroup(group);
      await consumer.done;
      expect(consumer.failure).toBeInstanceOf(ConsumerGroupDroppedError);
      await expect(store.subscribeToConsumerGroup(group)).rejects.toBeInstanceOf(
        ConsumerGroupNotFoundError,
      );
    });
  });
}

describeConsumerGroups('protocol test server', async () => {
  const server = await startEsdbTestServer({ persistentSubscriptionTickMs: 50 });
  const store = await EventStoreDbEventStore.connect({ connectionString: server.connectionString });
  return {
    store,
    timeoutSlackMs: 2_000,
    cleanup: async () => {
      await store.close();
      await server.stop();
    },
  };
});

const realServer = process.env.EVENTSTORE_URL;
if (realServer) {
  describeConsumerGroups('real server', async () => {
    const store = await EventStoreDbEventStore.connect({ connectionString: realServer });
    return { store, timeoutSlackMs: 5_000, cleanup: () => store.close() };
  });
}
