import { randomUUID } from 'node:crypto';
import {
  EventStoreDBClient,
  WrongExpectedVersionError as EsdbWrongExpectedVersionError,
  jsonEvent,
  streamNameFilter,
  type AllStreamResolvedEvent,
  type Position,
} from '@eventstore/db-client';
import {
  startEsdbTestServer,
  type EsdbTestServer,
} from '../../../../test/support/esdb-test-server/esdb-test-server';
import { InvalidAppendError, StoreUnavailableError, WrongExpectedVersionError } from '../errors';
import type { EventToAppend, RecordedEvent, SubscriptionMessage } from '../event-store.port';
import {
  AppendTooLargeError,
  EventStoreDbEventStore,
  decodePosition,
  encodePosition,
  normalizePosition,
} from './eventstoredb.event-store';

jest.setTimeout(30_000);

const event = (type = 'Happened', n = 0): EventToAppend => ({
  id: randomUUID(),
  type,
  data: { n },
  metadata: { schemaVersion: 1 },
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

describe('position encoding', () => {
  it('orders by commit, then prepare, round-trips, and fits a signed 64-bit column', () => {
    const pairs: Position[] = [
      { commit: 0n, prepare: 0n },
      // An append written with a commit record (older servers): prepares before their commit.
      { commit: 100n, prepare: 10n },
      { commit: 100n, prepare: 60n },
      { commit: 101n, prepare: 101n },
      // Prepares after their transaction's first position.
      { commit: 4_000n, prepare: 4_000n },
      { commit: 4_000n, prepare: 4_000n + 1_000_000n },
      { commit: 5_000_000n, prepare: 4_000_000n },
      // The last commit position it can place: 2 TiB of log.
      { commit: (1n << 41n) - 1n, prepare: (1n << 41n) - 1n },
    ];
    const encoded = pairs.map(encodePosition);
    for (let i = 1; i < encoded.length; i++) expect(encoded[i] > encoded[i - 1]).toBe(true);
    expect(encoded.map(decodePosition)).toEqual(pairs);
    for (const position of encoded) expect(position < 1n << 63n).toBe(true);
    const unknown = (1n << 64n) - 1n;
    expect(encodePosition({ commit: unknown, prepare: unknown })).toBe(-1n);
  });

  it('refuses a pair it cannot place in order rather than misplace it', () => {
    expect(() => encodePosition({ commit: 1n << 41n, prepare: 1n << 41n })).toThrow(RangeError);
    expect(() => encodePosition({ commit: 10_000_000n, prepare: 1_000n })).toThrow(RangeError);
  });

  it('reads a position of the earlier, wider form as the same pair', () => {
    const pair = { commit: 123_456n, prepare: 123_400n };
    const wide = (pair.commit << 64n) | pair.prepare;
    expect(decodePosition(wide)).toEqual(pair);
    expect(normalizePosition(wide)).toBe(encodePosition(pair));
    expect(normalizePosition(encodePosition(pair))).toBe(encodePosition(pair));
  });
});

describe('EventStoreDbEventStore against the protocol test server', () => {
  let server: EsdbTestServer;
  let store: EventStoreDbEventStore;
  let client: EventStoreDBClient;

  beforeAll(async () => {
    server = await startEsdbTestServer();
    store = await EventStoreDbEventStore.connect({ connectionString: server.connectionString });
    client = EventStoreDBClient.connectionString(server.connectionString);
  });

  afterAll(async () => {
    await client.dispose();
    await store.close();
    await server.stop();
  });

  it('hides system events and checkpoint streams from $all and headPosition', async () => {
    const stream = `smoke-${randomUUID()}`;
    const appended = await store.appendToStream(stream, [event()]);
    await store.saveCheckpoint('smoke', appended.position);
    const all = await collect(store.readAll());
    expect(all.some((e) => e.streamId.startsWith('$') || e.type.startsWith('$'))).toBe(false);
    expect(all.some((e) => e.streamId.startsWith('aftercareCheckpoint-'))).toBe(false);
    expect(await store.headPosition()).toBe(appended.position);
    expect(await store.loadCheckpoint('smoke')).toBe(appended.position);
    // The checkpoint stream is capped on the server.
    const metadata = await client.getStreamMetadata('aftercareCheckpoint-smoke');
    expect(metadata.metadata?.maxCount).toBe(10);
  });

  it('maps the client WrongExpectedVersionError onto the port error', async () => {
    const stream = `smoke-${randomUUID()}`;
    await store.appendToStream(stream, [event()]);
    const error = await store
      .appendToStream(stream, [event()], { expectedRevision: 'no_stream' })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedVersionError);
    expect(error).toMatchObject({ streamId: stream, expected: 'no_stream', actual: 0n });
  });

  it('subscription: caught up comes after history and before live events', async () => {
    const category = `sub${randomUUID().slice(0, 8)}`;
    const history = await store.appendToStream(`${category}-1`, [event(), event()]);
    const subscription = store.subscribeToAll({ filter: { categories: [category] } });
    const messages: SubscriptionMessage[] = [];
    const iterator = subscription[Symbol.asyncIterator]();
    for (let i = 0; i < 3; i++) messages.push((await iterator.next()).value as SubscriptionMessage);
    expect(messages.map((m) => m.kind)).toEqual(['event', 'event', 'caughtUp']);
    const caughtUp = messages[2] as { position: bigint };
    expect(caughtUp.position >= history.position).toBe(true);
    const live = await store.appendToStream(`${category}-2`, [event()]);
    const next = (await iterator.next()).value as { event: RecordedEvent };
    expect(next.event.id).toBe(live.events[0].id);
    await subscription.close();
    expect((await iterator.next()).done).toBe(true);
  });

  it('subscription back-pressure: a slow consumer does not make the client buffer everything', async () => {
    const category = `bp${randomUUID().slice(0, 8)}`;
    for (let i = 0; i < 10; i++) {
      await store.appendToStream(
        `${category}-${i}`,
        Array.from({ length: 200 }, (_, n) => event('Bulk', n)),
      );
    }
    const subscription = store.subscribeToAll({ filter: { categories: [category] } });
    const iterator = subscription[Symbol.asyncIterator]();
    await iterator.next();
    await new Promise((resolve) => setTimeout(resolve, 300));
    const buffered = (subscription as unknown as { subscription: { readableLength: number } })
      .subscription.readableLength;
    expect(buffered).toBeLessThanOrEqual(16);
    let count = 1;
    for (;;) {
      const { value } = await iterator.next();
      if ((value as SubscriptionMessage).kind === 'caughtUp') break;
      count++;
    }
    expect(count).toBe(2000);
    await subscription.close();
  });

  it('reports StoreUnavailableError when the server is gone', async () => {
    const other = await startEsdbTestServer();
    const lonely = await EventStoreDbEventStore.connect({
      connectionString: other.connectionString,
    });
    await lonely.appendToStream(`gone-${randomUUID()}`, [event()]);
    await other.stop();
    await expect(lonely.appendToStream(`gone-${randomUUID()}`, [event()])).rejects.toBeInstanceOf(
      StoreUnavailableError,
    );
    await expect(collect(lonely.readAll())).rejects.toBeInstanceOf(StoreUnavailableError);
    expect((await lonely.health()).reachable).toBe(false);
    await lonely.close();
  });

  describe('server semantics through the raw client', () => {
    const raw = (type = 'Raw', id = randomUUID()) => jsonEvent({ id, type, data: { ok: true } });

    it("idempotency: 'any' checks by id from the first event; partial is wrong expected version", async () => {
      const stream = `raw-${randomUUID()}`;
      const [a, b, c] = [raw(), raw(), raw()];
      const first = await client.appendToStream(stream, [a, b]);
      const again = await client.appendToStream(stream, [a, b]);
      expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
      expect(again.position).toEqual(first.position);
      await expect(client.appendToStream(stream, [a, c])).rejects.toBeInstanceOf(
        EsdbWrongExpectedVersionError,
      );
      // The first id is new: the server writes the batch (the adapter prevents this case).
      await client.appendToStream(stream, [c, a]);
      const ids = (await collect(client.readStream(stream))).map((e) => e.event!.id);
      expect(ids).toEqual([a.id, b.id, c.id, a.id]);
    });

    it('idempotency: an exact revision compares ids at the revisions the batch would take', async () => {
      const stream = `raw-${randomUUID()}`;
      const [a, b, c] = [raw(), raw(), raw()];
      await client.appendToStream(stream, [a, b], { expectedRevision: 'no_stream' });
      const again = await client.appendToStream(stream, [a, b], { expectedRevision: 'no_stream' });
      expect(again.nextExpectedRevision).toBe(1n);
      const tail = await client.appendToStream(stream, [b], { expectedRevision: 0n });
      expect(tail.nextExpectedRevision).toBe(1n);
      const error = await client
        .appendToStream(stream, [b, c], { expectedRevision: 0n })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EsdbWrongExpectedVersionError);
      expect((error as EsdbWrongExpectedVersionError).actualVersion).toBe(1n);
      // At the current revision no id is compared: a duplicate is written.
      await client.appendToStream(stream, [a], { expectedRevision: 1n });
      expect((await collect(client.readStream(stream))).length).toBe(3);
    });

    it('stream_exists on a missing stream answers no_stream as the current revision', async () => {
      const error = await client
        .appendToStream(`raw-${randomUUID()}`, [raw()], { expectedRevision: 'stream_exists' })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(EsdbWrongExpectedVersionError);
      expect((error as EsdbWrongExpectedVersionError).actualVersion).toBe('no_stream');
    });

    it('$all forwards from a position is inclusive, backwards is exclusive', async () => {
      const stream = `raw-${randomUUID()}`;
      await client.appendToStream(stream, [raw(), raw(), raw()]);
      const events = (await collect(client.readStream(stream))).map((e) => e.event!);
      const middle = events[1].position!;
      const forwards = await collect(client.readAll({ fromPosition: middle, maxCount: 1 }));
      expect(forwards[0].event!.id).toBe(events[1].id);
      const backwards = await collect(
        client.readAll({ fromPosition: middle, direction: 'backwards', maxCount: 1 }),
      );
      expect(backwards[0].event!.id).toBe(events[0].id);
    });

    it('filtered subscriptions send checkpoints and surface CaughtUp', async () => {
      const category = `cp${randomUUID().slice(0, 8)}`;
      for (let i = 0; i < 40; i++) await client.appendToStream(`other-${randomUUID()}`, [raw()]);
      await client.appendToStream(`${category}-1`, [raw()]);
      const checkpoints: Position[] = [];
      const subscription = client.subscribeToAll({
        filter: streamNameFilter({
          prefixes: [`${category}-`],
          checkpointReached: (_s, position) => {
            checkpoints.push(position);
          },
        }),
      });
      const caughtUp = new Promise<void>((resolve) => subscription.once('caughtUp', resolve));
      const received: AllStreamResolvedEvent[] = [];
      subscription.on('data', (e: AllStreamResolvedEvent) => received.push(e));
      await caughtUp;
      expect(received).toHaveLength(1);
      expect(checkpoints.length).toBeGreaterThanOrEqual(2);
      await subscription.unsubscribe();
    });
  });
});

describe('EventStoreDbEventStore against a server that writes commit records', () => {
  let server: EsdbTestServer;
  let store: EventStoreDbEventStore;

  beforeAll(async () => {
    server = await startEsdbTestServer({ commitRecords: true, batchAppend: false });
    store = await EventStoreDbEventStore.connect({ connectionString: server.connectionString });
  });

  afterAll(async () => {
    await store.close();
    await server.stop();
  });

  it('events of one append share a commit position and still order strictly in $all', async () => {
    const category = `cr${randomUUID().slice(0, 8)}`;
    await store.appendToStream(`${category}-1`, [event(), event(), event()]);
    await store.appendToStream(`${category}-2`, [event(), event()]);
    const all = await collect(store.readAll({ filter: { categories: [category] } }));
    expect(all).toHaveLength(5);
    const pairs = all.map((e) => decodePosition(e.position));
    expect(new Set(pairs.slice(0, 3).map((p) => p.commit)).size).toBe(1);
    for (let i = 1; i < all.length; i++) expect(all[i].position > all[i - 1].position).toBe(true);
    // Resuming after the middle event of the shared-commit batch.
    const after = await collect(
      store.readAll({ fromPosition: all[1].position, filter: { categories: [category] } }),
    );
    expect(after.map((e) => e.id)).toEqual(all.slice(2).map((e) => e.id));
    const subscription = store.subscribeToAll({
      from: all[0].position,
      filter: { categories: [category] },
    });
    const seen: string[] = [];
    for await (const message of subscription) {
      if (message.kind === 'caughtUp') break;
      if (message.kind === 'event') seen.push(message.event.id);
    }
    await subscription.close();
    expect(seen).toEqual(all.slice(1).map((e) => e.id));
    // A stream read cannot know these positions: the server answers "no position".
    const [first] = await collect(store.readStream(`${category}-1`, { maxCount: 1 }));
    expect(first.position).toBe(-1n);
  });
});

describe('EventStoreDbEventStore: append size and system events', () => {
  const big = (n: number, bytes: number): EventToAppend[] =>
    Array.from({ length: n }, (_, i) => ({
      ...event('Bulky', i),
      data: { n: i, pad: 'x'.repeat(bytes) },
    }));

  it('refuses an append over the maximum append size before sending it, whole', async () => {
    // The server here would take 4 MiB: the refusal must come from the adapter, not the server.
    const server = await startEsdbTestServer({ maxAppendSize: 4 * 1024 * 1024 });
    const store = await EventStoreDbEventStore.connect({
      connectionString: server.connectionString,
    });
    try {
      const before = server.eventCount;
      const stream = `big-${randomUUID()}`;
      const error = await store.appendToStream(stream, big(3, 400_000)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppendTooLargeError);
      expect(error).toBeInstanceOf(InvalidAppendError);
      expect(error).toMatchObject({ streamId: stream, maxAppendSize: 1024 * 1024 });
      expect((error as AppendTooLargeError).size).toBeGreaterThan(1_200_000);
      expect(server.eventCount).toBe(before);
      // Under the limit it goes through.
      const ok = await store.appendToStream(stream, big(2, 400_000));
      expect(ok.events).toHaveLength(2);
    } finally {
      await store.close();
      await server.stop();
    }
  });

  it('maps a server with a smaller limit refusing the append onto the same error', async () => {
    const server = await startEsdbTestServer({ maxAppendSize: 64 * 1024 });
    const store = await EventStoreDbEventStore.connect({
      connectionString: server.connectionString,
    });
    try {
      const before = server.eventCount;
      const error = await store
        .appendToStream(`big-${randomUUID()}`, big(2, 40_000))
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppendTooLargeError);
      expect(error).toMatchObject({ maxAppendSize: 64 * 1024 });
      expect(server.eventCount).toBe(before);
    } finally {
      await store.close();
      await server.stop();
    }
  });

  it('never hands system events ($metadata, $streamDeleted, $settings) to readers or subscribers', async () => {
    const server = await startEsdbTestServer();
    const store = await EventStoreDbEventStore.connect({
      connectionString: server.connectionString,
    });
    const client = EventStoreDBClient.connectionString(server.connectionString);
    try {
      const category = `sys${randomUUID().slice(0, 8)}`;
      const subscription = store.subscribeToAll();
      const iterator = subscription[Symbol.asyncIterator]();
      await store.appendToStream(`${category}-1`, [event()]);
      await client.setStreamMetadata(`${category}-1`, { maxCount: 5 });
      await client.tombstoneStream(`${category}-1`);
      const last = await store.appendToStream(`${category}-2`, [event()]);
      const delivered: RecordedEvent[] = [];
      for (;;) {
        const message = (await iterator.next()).value as SubscriptionMessage;
        if (message.kind !== 'event') continue;
        delivered.push(message.event);
        if (message.event.id === last.events[0].id) break;
      }
      await subscription.close();
      const all = await collect(store.readAll());
      for (const events of [delivered, all]) {
        expect(events.map((e) => e.type)).toEqual(['Happened', 'Happened']);
      }
      expect(server.eventCount).toBeGreaterThan(all.length + 3);
    } finally {
      await client.dispose();
      await store.close();
      await server.stop();
    }
  });
});
