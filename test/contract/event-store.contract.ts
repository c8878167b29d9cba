/**
 * The EventStore contract: what every adapter must do, stated through the port only. It runs
 * unchanged against every adapter, including stores that already hold events, so each test uses
 * its own streams and categories and compares positions only relative to each other.
 */
import { randomUUID } from 'node:crypto';
import { InvalidAppendError, WrongExpectedVersionError } from '../../libs/event-store/src/errors';
import type {
  AllFilter,
  EventStore,
  EventToAppend,
  ExpectedRevision,
  RecordedEvent,
  SubscriptionMessage,
  Subscription,
} from '../../libs/event-store/src/event-store.port';

export interface OpenedStore {
  store: EventStore;
  cleanup: () => Promise<void>;
}

/** A category no other test (or run) uses, so $all reads can be filtered down to one test. */
function uniqueCategory(): string {
  return `c${randomUUID().replace(/-/g, '').slice(0, 16)}`;
}

function streamOf(category = uniqueCategory()): string {
  return `${category}-${randomUUID()}`;
}

function event(type = 'ThingHappened', data: Record<string, unknown> = {}): EventToAppend {
  return {
    id: randomUUID(),
    type,
    data: { n: 1, ...data },
    metadata: { schemaVersion: 1 },
  };
}

function events(count: number, type = 'ThingHappened'): EventToAppend[] {
  return Array.from({ length: count }, (_, n) => event(type, { n }));
}

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}

async function expectWrongVersion(
  promise: Promise<unknown>,
  actual: bigint | 'no_stream',
): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WrongExpectedVersionError);
  expect((error as WrongExpectedVersionError).actual).toBe(actual);
}

async function expectInvalid(promise: Promise<unknown>): Promise<void> {
  await expect(promise).rejects.toBeInstanceOf(InvalidAppendError);
}

/** Pulls messages from a subscription, one at a time, with a deadline. */
class Reader {
  private readonly iterator: AsyncIterator<SubscriptionMessage>;
  constructor(readonly subscription: Subscription) {
    this.iterator = subscription[Symbol.asyncIterator]();
  }

  async next(timeoutMs = 10_000): Promise<SubscriptionMessage> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error('subscription delivered nothing in time')),
        timeoutMs,
      );
    });
    try {
      const result = await Promise.race([this.iterator.next(), timeout]);
      if (result.done) throw new Error('subscription ended');
      return result.value;
    } finally {
      clearTimeout(timer);
    }
  }

  /** The next `count` events, skipping caughtUp. */
  async events(count: number, timeoutMs = 10_000): Promise<RecordedEvent[]> {
    const received: RecordedEvent[] = [];
    while (received.length < count) {
      const message = await this.next(timeoutMs);
      if (message.kind === 'event') received.push(message.event);
    }
    return received;
  }

  async untilCaughtUp(): Promise<RecordedEvent[]> {
    const received: RecordedEvent[] = [];
    for (;;) {
      const message = await this.next();
      if (message.kind === 'caughtUp') return received;
      if (message.kind === 'event') received.push(message.event);
    }
  }
}

function assertIncreasing(positions: bigint[]): void {
  for (let i = 1; i < positions.length; i++) {
    expect(positions[i] > positions[i - 1]).toBe(true);
  }
}

/** The contract's parts, one `describe` each. */
export type ContractPart =
  | 'appending'
  | 'expected revision'
  | 'contention on one stream'
  | 'idempotency'
  | 'bad input is rejected and nothing is written'
  | 'reading a stream'
  | 'reading $all'
  | 'subscriptions'
  | 'checkpoints'
  | 'health';

export const ALL_PARTS: readonly ContractPart[] = [
  'appending',
  'expected revision',
  'contention on one stream',
  'idempotency',
  'bad input is rejected and nothing is written',
  'reading a stream',
  'reading $all',
  'subscriptions',
  'checkpoints',
  'health',
];

/** The parts that go through the append path: what a second append protocol must pass. */
export const APPEND_PARTS: readonly ContractPart[] = ALL_PARTS.slice(0, 5);

export function describeEventStoreContract(
  adapterName: string,
  open: () => Promise<OpenedStore>,
  options: { parts?: readonly ContractPart[] } = {},
): void {
  // A part not asked for is not declared at all (not skipped): the run lists what it checked.
  const part = (name: ContractPart, body: () => void) => {
    if (!options.parts || options.parts.includes(name)) describe(name, body);
  };
  describe(`EventStore contract [${adapterName}]`, () => {
    jest.setTimeout(60_000);
    let opened: OpenedStore;
    let store: EventStore;

    beforeAll(async () => {
      opened = await open();
      store = opened.store;
    });

    afterAll(async () => {
      await opened?.cleanup();
    });

    const read = (streamId: string, options?: Parameters<EventStore['readStream']>[1]) =>
      collect(store.readStream(streamId, options));
    const readAll = (filter: AllFilter, fromPosition?: bigint, maxCount?: number) =>
      collect(store.readAll({ filter, fromPosition, maxCount }));

    part('appending', () => {
      it('numbers revisions from 0 and keeps the order of the batch and of later appends', async () => {
        const stream = streamOf();
        const first = await store.appendToStream(stream, events(3));
        expect(first.nextExpectedRevision).toBe(2n);
        expect(first.events.map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        expect(first.position).toBe(first.events[2].position);
        assertIncreasing(first.events.map((e) => e.position));

        const second = await store.appendToStream(stream, events(2), { expectedRevision: 2n });
        expect(second.events.map((e) => e.revision)).toEqual([3n, 4n]);
        expect(second.events[0].position > first.position).toBe(true);

        const stored = await read(stream);
        expect(stored.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n]);
        expect(stored.map((e) => e.id)).toEqual(
          [...first.events, ...second.events].map((e) => e.id),
        );
        expect(stored.map((e) => e.data)).toEqual([0, 1, 2, 0, 1].map((n) => ({ n })));
      });

      it('records every field of the envelope and round-trips the metadata', async () => {
        const stream = streamOf();
        const correlationId = randomUUID();
        const appended: EventToAppend = {
          id: randomUUID(),
          type: 'ComplaintFiled',
          data: { customerId: 'c-1', severity: 'high', nested: { list: [1, 'two', null, true] } },
          metadata: {
            correlationId,
            causationId: randomUUID(),
            actor: 'agent:42',
            schemaVersion: 2,
            commandId: 'cmd-1',
          },
        };
        const before = Date.now();
        const result = await store.appendToStream(stream, [appended]);
        const [stored] = await read(stream);
        for (const recorded of [result.events[0], stored]) {
          expect(recorded.id).toBe(appended.id);
          expect(recorded.type).toBe('ComplaintFiled');
          expect(recorded.data).toEqual(appended.data);
          expect(recorded.metadata).toEqual(appended.metadata);
          expect(recorded.streamId).toBe(stream);
          expect(recorded.revision).toBe(0n);
          expect(typeof recorded.position).toBe('bigint');
          expect(recorded.recordedAt).toBeInstanceOf(Date);
          expect(Math.abs(recorded.recordedAt.getTime() - before)).toBeLessThan(5 * 60_000);
        }
        expect(stored.position).toBe(result.position);
      });

      it('reads a stream that does not exist as empty', async () => {
        expect(await read(streamOf())).toEqual([]);
        expect(await read(streamOf(), { direction: 'backwards' })).toEqual([]);
      });
    });

    part('expected revision', () => {
      it("'any' appends whether or not the stream exists", async () => {
        const stream = streamOf();
        await store.appendToStream(stream, [event()], { expectedRevision: 'any' });
        const result = await store.appendToStream(stream, [event()], { expectedRevision: 'any' });
        expect(result.nextExpectedRevision).toBe(1n);
        const defaulted = await store.appendToStream(stream, [event()]);
        expect(defaulted.nextExpectedRevision).toBe(2n);
      });

      it("'no_stream' passes on a new stream and fails on an existing one with its revision", async () => {
        const stream = streamOf();
        await store.appendToStream(stream, events(2), { expectedRevision: 'no_stream' });
        await expectWrongVersion(
          store.appendToStream(stream, [event()], { expectedRevision: 'no_stream' }),
          1n,
        );
        expect(await read(stream)).toHaveLength(2);
      });

      it("'stream_exists' fails on a new stream and passes on an existing one", async () => {
        const stream = streamOf();
        await expectWrongVersion(
          store.appendToStream(stream, [event()], { expectedRevision: 'stream_exists' }),
          'no_stream',
        );
        expect(await read(stream)).toEqual([]);
        await store.appendToStream(stream, [event()]);
        const result = await store.appendToStream(stream, [event()], {
          expectedRevision: 'stream_exists',
        });
        expect(result.nextExpectedRevision).toBe(1n);
      });

      it('an exact revision passes when it is the last revision and fails otherwise', async () => {
        const stream = streamOf();
        await expectWrongVersion(
          store.appendToStream(stream, [event()], { expectedRevision: 0n }),
          'no_stream',
        );
        await store.appendToStream(stream, events(3));
        await expectWrongVersion(
          store.appendToStream(stream, [event()], { expectedRevision: 1n }),
          2n,
        );
        await expectWrongVersion(
          store.appendToStream(stream, [event()], { expectedRevision: 3n }),
          2n,
        );
        const result = await store.appendToStream(stream, [event()], { expectedRevision: 2n });
        expect(result.nextExpectedRevision).toBe(3n);
        expect(await read(stream)).toHaveLength(4);
      });

      it('the error names the stream and what was expected', async () => {
        const stream = streamOf();
        await store.appendToStream(stream, [event()]);
        const error = await store
          .appendToStream(stream, [event()], { expectedRevision: 5n })
          .catch((e: unknown) => e);
        expect(error).toBeInstanceOf(WrongExpectedVersionError);
        expect((error as WrongExpectedVersionError).streamId).toBe(stream);
        expect((error as WrongExpectedVersionError).expected).toBe(5n);
        expect((error as WrongExpectedVersionError).actual).toBe(0n);
      });

      it('two concurrent writers expecting the same revision: exactly one wins', async () => {
        for (let round = 0; round < 5; round++) {
          const stream = streamOf();
          await store.appendToStream(stream, [event()]);
          const outcomes = await Promise.allSettled([
            store.appendToStream(stream, events(2), { expectedRevision: 0n }),
            store.appendToStream(stream, events(2), { expectedRevision: 0n }),
          ]);
          const won = outcomes.filter((o) => o.status === 'fulfilled');
          const lost = outcomes.filter((o) => o.status === 'rejected');
          expect(won).toHaveLength(1);
          expect(lost).toHaveLength(1);
          expect((lost[0] as PromiseRejectedResult).reason).toBeInstanceOf(
            WrongExpectedVersionError,
          );
          expect(
            ((lost[0] as PromiseRejectedResult).reason as WrongExpectedVersionError).actual,
          ).toBe(2n);
          expect((await read(stream)).map((e) => e.revision)).toEqual([0n, 1n, 2n]);
        }
      });
    });

    part('contention on one stream', () => {
      const writers = 24;
      // The EventStoreDB protocol test server is a JavaScript gRPC server sharing the test's CPU;
      // an append through it under this contention takes tens of milliseconds, so it runs 5 rounds
      // (same writers, same race) instead of 60 to stay inside the time limit.
      const appendsPerWriter = adapterName.includes('protocol test server') ? 5 : 60;
      it.each(['any', 'stream_exists'] as const)(
        `'%s' from ${writers} concurrent writers: every append succeeds, revisions gap-free`,
        async (expectedRevision) => {
          const stream = streamOf();
          await store.appendToStream(stream, [event()]);
          const failures: unknown[] = [];
          const appended: string[] = [];
          await Promise.all(
            Array.from({ length: writers }, async () => {
              for (let i = 0; i < appendsPerWriter; i++) {
                const next = event();
                try {
                  await store.appendToStream(stream, [next], { expectedRevision });
                  appended.push(next.id);
                } catch (error) {
                  failures.push(error);
                }
              }
            }),
          );
          // Every failure in one message: how many, and what the first one was.
          expect({ failures: failures.length, first: String(failures[0]) }).toEqual({
            failures: 0,
            first: 'undefined',
          });
          const stored = await read(stream);
          const total = 1 + writers * appendsPerWriter;
          expect(stored.map((e) => e.revision)).toEqual(
            Array.from({ length: total }, (_, n) => BigInt(n)),
          );
          expect(new Set(stored.slice(1).map((e) => e.id))).toEqual(new Set(appended));
          assertIncreasing(stored.map((e) => e.position));
        },
        120_000,
      );
    });

    part('idempotency', () => {
      it('appending the same ids twice stores one copy and returns the same result', async () => {
        const stream = streamOf();
        const batch = events(3);
        const first = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        const again = await store.appendToStream(stream, batch, { expectedRevision: 'no_stream' });
        expect(again.nextExpectedRevision).toBe(first.nextExpectedRevision);
        expect(again.position).toBe(first.position);
        expect(again.events.map((e) => [e.id, e.revision, e.position])).toEqual(
          first.events.map((e) => [e.id, e.revision, e.position]),
        );
        expect(again.events.map((e) => e.data)).toEqual(batch.map((e) => e.data));
        expect(await read(stream)).toHaveLength(3);
      });

      it('says whether an append wrote its events or found them stored, where the store can tell', async () => {
        const stream = streamOf();
        const batch = events(2);
        const first = await store.appendToStream(stream, batch);
        const again = await store.appendToStream(stream, batch, { expectedRevision: 0n });
        // EventStoreDB answers both alike, so its adapter leaves the flag out.
        if (store.kind === 'eventstoredb') return;
        expect(first.alreadyStored).toBe(false);
        expect(again.alreadyStored).toBe(true);
      });

      it('a retried batch is a no-op whatever the expected revision, even after later appends', async () => {
        const stream = streamOf();
        const batch = events(2);
        const first = await store.appendToStream(stream, batch);
        await store.appendToStream(stream, events(2));
        for (const expectedRevision of ['any', 0n, 7n, 'no_stream'] as ExpectedRevision[]) {
          const again = await store.appendToStream(stream, batch, { expectedRevision });
          expect(again.nextExpectedRevision).toBe(1n);
          expect(again.position).toBe(first.position);
        }
        expect(await read(stream)).toHaveLength(4);
      });

      it('a batch with only some ids already in the stream is rejected and writes nothing', async () => {
        const stream = streamOf();
        const [a, b] = events(2);
        await store.appendToStream(stream, [a]);
        await expectWrongVersion(store.appendToStream(stream, [a, b]), 0n);
        await expectWrongVersion(
          store.appendToStream(stream, [b, a], { expectedRevision: 0n }),
          0n,
        );
        expect((await read(stream)).map((e) => e.id)).toEqual([a.id]);
      });
    });

    part('bad input is rejected and nothing is written', () => {
      const cases: Array<[string, (stream: string) => [string, EventToAppend[], unknown]]> = [
        ['an empty stream name', () => ['', [event()], 'any']],
        ['no events', (s) => [s, [], 'any']],
        ['a BigInt in the data', (s) => [s, [event('T', { big: 1n })], 'any']],
        ['a function in the data', (s) => [s, [event('T', { f: () => 1 })], 'any']],
        ['NaN in the data', (s) => [s, [event('T', { x: Number.NaN })], 'any']],
        [
          'Infinity in the metadata',
          (s) => [s, [{ ...event(), metadata: { schemaVersion: Infinity } }], 'any'],
        ],
        ['a non-UUID id', (s) => [s, [{ ...event(), id: 'not-a-uuid' }], 'any']],
        [
          'the same id twice in one batch',
          (s) => {
            const e = event();
            return [s, [e, { ...e }], 'any'];
          },
        ],
        ['an empty event type', (s) => [s, [event('')], 'any']],
        ["the expected revision 'latest'", (s) => [s, [event()], 'latest']],
        ['the expected revision -1n', (s) => [s, [event()], -1n]],
        ['a number as expected revision', (s) => [s, [event()], 1]],
      ];
      it.each(cases)('%s', async (_name, build) => {
        const stream = streamOf();
        const good = event();
        // A valid event before the bad one: the batch must not be half-written.
        const [streamId, batch, expectedRevision] = build(stream);
        const withGood = batch.length && streamId ? [good, ...batch] : batch;
        await expectInvalid(
          store.appendToStream(streamId, withGood, {
            expectedRevision: expectedRevision as ExpectedRevision,
          }),
        );
        expect(await read(stream)).toEqual([]);
      });
    });

    part('reading a stream', () => {
      let stream: string;
      beforeAll(async () => {
        stream = streamOf();
        await store.appendToStream(stream, events(10));
      });
      const revisions = (list: RecordedEvent[]) => list.map((e) => Number(e.revision));

      it('reads forwards from a revision with a max count', async () => {
        expect(revisions(await read(stream, { fromRevision: 4n, maxCount: 3 }))).toEqual([4, 5, 6]);
        expect(revisions(await read(stream, { fromRevision: 8n }))).toEqual([8, 9]);
        expect(revisions(await read(stream, { maxCount: 2 }))).toEqual([0, 1]);
        expect(await read(stream, { fromRevision: 10n })).toEqual([]);
      });

      it('reads backwards from the end or from a revision', async () => {
        expect(revisions(await read(stream, { direction: 'backwards' }))).toEqual([
          9, 8, 7, 6, 5, 4, 3, 2, 1, 0,
        ]);
        expect(revisions(await read(stream, { direction: 'backwards', maxCount: 3 }))).toEqual([
          9, 8, 7,
        ]);
        expect(
          revisions(await read(stream, { direction: 'backwards', fromRevision: 3n, maxCount: 2 })),
        ).toEqual([3, 2]);
        expect(
          revisions(
            await read(stream, { direction: 'backwards', fromRevision: 'end', maxCount: 1 }),
          ),
        ).toEqual([9]);
      });

      // Through the JavaScript protocol test server each event costs about a millisecond of the
      // test's own CPU: a shorter long stream there (still several of the adapters' read pages).
      const batch = adapterName.includes('protocol test server') ? 250 : 500;
      it('reads a long stream completely, in order', async () => {
        const long = streamOf();
        for (let i = 0; i < 5; i++) await store.appendToStream(long, events(batch));
        const length = 5 * batch;
        const all = await read(long);
        expect(revisions(all)).toEqual(Array.from({ length }, (_, n) => n));
        const back = await read(long, { direction: 'backwards' });
        expect(revisions(back)).toEqual(Array.from({ length }, (_, n) => length - 1 - n));
      });
    });

    part('reading $all', () => {
      it('returns events of all streams in global order, from an exclusive position', async () => {
        const category = uniqueCategory();
        const a = `${category}-a${randomUUID()}`;
        const b = `${category}-b${randomUUID()}`;
        const appended: RecordedEvent[] = [];
        for (const stream of [a, b, a, b, b, a]) {
          appended.push(...(await store.appendToStream(stream, [event()])).events);
        }
        const all = await readAll({ categories: [category] });
        expect(all.map((e) => e.id)).toEqual(appended.map((e) => e.id));
        expect(all.map((e) => e.position)).toEqual(appended.map((e) => e.position));
        assertIncreasing(all.map((e) => e.position));

        const after = await readAll({ categories: [category] }, appended[1].position);
        expect(after.map((e) => e.id)).toEqual(appended.slice(2).map((e) => e.id));

        const limited = await readAll({ categories: [category] }, appended[0].position, 2);
        expect(limited.map((e) => e.id)).toEqual(appended.slice(1, 3).map((e) => e.id));

        const unfiltered = await collect(
          store.readAll({ fromPosition: appended[3].position, maxCount: 1 }),
        );
        expect(unfiltered).toHaveLength(1);
        expect(unfiltered[0].position > appended[3].position).toBe(true);
      });

      it('filters by category and by event type prefix', async () => {
        const one = uniqueCategory();
        const two = uniqueCategory();
        const three = uniqueCategory();
        const prefix = `T${randomUUID().slice(0, 8)}`;
        await store.appendToStream(streamOf(one), [
          event(`${prefix}ComplaintFiled`),
          event(`${prefix}FeedbackReceived`),
        ]);
        await store.appendToStream(streamOf(two), [event(`${prefix}ComplaintResolved`)]);
        await store.appendToStream(streamOf(three), [event(`${prefix}ComplaintFiled`)]);
        // A stream whose id merely starts with the category is another category.
        await store.appendToStream(`${one}x-${randomUUID()}`, [event(`${prefix}ComplaintFiled`)]);

        const types = (list: RecordedEvent[]) => list.map((e) => e.type.slice(prefix.length));
        expect(types(await readAll({ categories: [one] }))).toEqual([
          'ComplaintFiled',
          'FeedbackReceived',
        ]);
        expect(types(await readAll({ categories: [one, two] }))).toEqual([
          'ComplaintFiled',
          'FeedbackReceived',
          'ComplaintResolved',
        ]);
        expect(
          types(
            await readAll({ categories: [one, two], eventTypePrefixes: [`${prefix}Complaint`] }),
          ),
        ).toEqual(['ComplaintFiled', 'ComplaintResolved']);
        expect(
          (await readAll({ eventTypePrefixes: [`${prefix}ComplaintFiled`] })).map((e) =>
            streamCategoryOf(e.streamId),
          ),
        ).toEqual([one, three, `${one}x`]);
        expect(
          types(
            await readAll({
              eventTypePrefixes: [`${prefix}Feedback`, `${prefix}ComplaintResolved`],
            }),
          ),
        ).toEqual(['FeedbackReceived', 'ComplaintResolved']);
      });

      it('headPosition is at or after the last appended event', async () => {
        const result = await store.appendToStream(streamOf(), [event()]);
        const head = await store.headPosition();
        expect(head).toBeDefined();
        expect(head! >= result.position).toBe(true);
      });
    });

    part('subscriptions', () => {
      it('delivers history, reports caught up once, then delivers live appends in order', async () => {
        const category = uniqueCategory();
        const stream = streamOf(category);
        const history = await store.appendToStream(stream, events(3));
        const reader = new Reader(store.subscribeToAll({ filter: { categories: [category] } }));
        try {
          const before = await reader.untilCaughtUp();
          expect(before.map((e) => e.id)).toEqual(history.events.map((e) => e.id));

          const live1 = await store.appendToStream(stream, events(2));
          const live2 = await store.appendToStream(streamOf(category), events(1));
          const received = await reader.events(3);
          expect(received.map((e) => e.id)).toEqual(
            [...live1.events, ...live2.events].map((e) => e.id),
          );
          assertIncreasing([...before, ...received].map((e) => e.position));
          expect(received[0].revision).toBe(3n);
        } finally {
          await reader.subscription.close();
        }
      });

      it('starts after a given position and filters by event type', async () => {
        const category = uniqueCategory();
        const stream = streamOf(category);
        const first = await store.appendToStream(stream, [
          event('Kept'),
          event('Dropped'),
          event('Kept'),
        ]);
        const reader = new Reader(
          store.subscribeToAll({
            from: first.events[0].position,
            filter: { categories: [category], eventTypePrefixes: ['Kept'] },
          }),
        );
        try {
          expect((await reader.untilCaughtUp()).map((e) => e.id)).toEqual([first.events[2].id]);
          const live = await store.appendToStream(stream, [event('Dropped'), event('Kept')]);
          expect((await reader.events(1)).map((e) => e.id)).toEqual([live.events[1].id]);
        } finally {
          await reader.subscription.close();
        }
      });

      it("from 'end' delivers only what is appended afterwards", async () => {
        const category = uniqueCategory();
        await store.appendToStream(streamOf(category), events(2));
        const reader = new Reader(
          store.subscribeToAll({ from: 'end', filter: { categories: [category] } }),
        );
        try {
          expect(await reader.untilCaughtUp()).toEqual([]);
          const live = await store.appendToStream(streamOf(category), events(1));
          expect((await reader.events(1)).map((e) => e.id)).toEqual([live.events[0].id]);
        } finally {
          await reader.subscription.close();
        }
      });

      it('close() ends the iteration', async () => {
        const subscription = store.subscribeToAll({
          from: 'end',
          filter: { categories: [uniqueCategory()] },
        });
        const iterator = subscription[Symbol.asyncIterator]();
        expect((await iterator.next()).value).toMatchObject({ kind: 'caughtUp' });
        const pending = iterator.next();
        await subscription.close();
        expect((await pending).done).toBe(true);
      });

      it('concurrent writers on many streams: a live subscriber sees every event once, in order', async () => {
        const rounds = 20;
        const writers = 8;
        const category = uniqueCategory();
        const head = await store.headPosition();
        const reader = new Reader(
          store.subscribeToAll({ from: head ?? 'start', filter: { categories: [category] } }),
        );
        try {
          await reader.untilCaughtUp();
          // Consume while the writers write, so the subscriber reads the log as it grows: an
          // event whose transaction commits after a later position was read must still arrive.
          const received: RecordedEvent[] = [];
          const consuming = (async () => {
            for (;;) {
              const [next] = await reader.events(1, 30_000);
              received.push(next);
              if (next.type === 'Sentinel') return;
            }
          })();
          const expected: string[] = [];
          for (let round = 0; round < rounds; round++) {
            const results = await Promise.all(
              Array.from({ length: writers }, (_, w) =>
                store.appendToStream(streamOf(category), events(1 + ((round + w) % 3))),
              ),
            );
            for (const result of results) expected.push(...result.events.map((e) => e.id));
          }
          // Appended after every write was acknowledged: it must come last, after all of them.
          const sentinel = await store.appendToStream(streamOf(category), [event('Sentinel')]);
          await consuming;
          expect(received[received.length - 1].id).toBe(sentinel.events[0].id);
          const ids = received.slice(0, -1).map((e) => e.id);
          expect(ids).toHaveLength(expected.length);
          expect([...ids].sort()).toEqual([...expected].sort());
          assertIncreasing(received.map((e) => e.position));
        } finally {
          await reader.subscription.close();
        }
      });
    });

    part('checkpoints', () => {
      it('saves, loads and overwrites a consumer position', async () => {
        const consumer = `consumer-${randomUUID()}`;
        expect(await store.loadCheckpoint(consumer)).toBeUndefined();
        await store.saveCheckpoint(consumer, 42n);
        expect(await store.loadCheckpoint(consumer)).toBe(42n);
        await store.saveCheckpoint(consumer, 9_007_199_254_740_000n);
        expect(await store.loadCheckpoint(consumer)).toBe(9_007_199_254_740_000n);
        expect(await store.loadCheckpoint(`consumer-${randomUUID()}`)).toBeUndefined();
      });
    });

    part('health', () => {
      it('reports the store reachable', async () => {
        const health = await store.health();
        expect(health.reachable).toBe(true);
        expect(health.store).toBe(store.kind);
      });
    });
  });
}

function streamCategoryOf(streamId: string): string {
  const dash = streamId.indexOf('-');
  return dash < 0 ? streamId : streamId.slice(0, dash);
}
