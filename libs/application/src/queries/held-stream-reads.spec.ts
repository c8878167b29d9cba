import type { EventStore, ReadStreamOptions, RecordedEvent } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { HeldStreamReads } from './held-stream-reads';

const event = (n: number) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'FeedbackReceived',
  data: { n, scores: { nps: 9 } },
  metadata: { schemaVersion: 1 },
});

async function all(store: EventStore, streamId: string): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const e of store.readStream(streamId)) events.push(e);
  return events;
}

describe('HeldStreamReads', () => {
  let store: SqliteEventStore;
  /** Events the store handed out, so a test can see what was read again. */
  let read: number;
  let counting: EventStore;

  beforeEach(() => {
    store = SqliteEventStore.open({ path: ':memory:' });
    read = 0;
    counting = Object.create(store) as EventStore;
    counting.readStream = (streamId: string, options?: ReadStreamOptions) => {
      const inner = store.readStream(streamId, options);
      return {
        async *[Symbol.asyncIterator]() {
          for await (const e of inner) {
            read += 1;
            yield e;
          }
        },
      };
    };
  });

  afterEach(() => store.close());

  it('answers what a fresh read answers, reading only what was appended since', async () => {
    const streams = new HeldStreamReads(counting);
    await store.appendToStream('customer-ada', [event(1), event(2)]);
    expect(await streams.read('customer-ada')).toEqual(await all(store, 'customer-ada'));
    expect(read).toBe(2);

    read = 0;
    expect(await streams.read('customer-ada')).toEqual(await all(store, 'customer-ada'));
    expect(read).toBe(0);

    // Another writer (another process) appends: the next read sees it, reading only it.
    await store.appendToStream('customer-ada', [event(3)]);
    const third = await streams.read('customer-ada');
    expect(third.map((e) => e.data)).toEqual([1, 2, 3].map((n) => ({ n, scores: { nps: 9 } })));
    expect(third).toEqual(await all(store, 'customer-ada'));
    expect(read).toBe(1);
  });

  it('holds nothing for a stream that does not exist yet, and sees it once written', async () => {
    const streams = new HeldStreamReads(counting);
    expect(await streams.read('customer-bob')).toEqual([]);
    expect(streams.size).toBe(0);
    await store.appendToStream('customer-bob', [event(1)]);
    expect(await streams.read('customer-bob')).toHaveLength(1);
  });

  it('shares frozen events: a reader cannot change what the next one gets', async () => {
    const streams = new HeldStreamReads(counting);
    await store.appendToStream('customer-ada', [event(1)]);
    const [first] = await streams.read('customer-ada');
    expect(() => {
      (first.data as { n: number }).n = 42;
    }).toThrow(TypeError);
    expect(() => {
      (first.data as { scores: { nps: number } }).scores.nps = 0;
    }).toThrow(TypeError);
    expect(() => {
      (first.metadata as { schemaVersion: number }).schemaVersion = 2;
    }).toThrow(TypeError);
    const [again] = await streams.read('customer-ada');
    expect(again.data).toEqual({ n: 1, scores: { nps: 9 } });
  });

  it('forgets the least recently read streams past its streams or its events', async () => {
    const streams = new HeldStreamReads(counting, 2, 3);
    await store.appendToStream('customer-a', [event(1), event(2)]);
    await store.appendToStream('customer-b', [event(3)]);
    await store.appendToStream('customer-c', [event(4)]);
    await store.appendToStream('customer-long', [event(5), event(6), event(7), event(8)]);
    await streams.read('customer-a');
    await streams.read('customer-b');
    expect(streams.size).toBe(2);
    // Three streams would be one too many: the least recently read (a) goes.
    await streams.read('customer-c');
    expect(streams.size).toBe(2);
    read = 0;
    await streams.read('customer-b');
    expect(read).toBe(0);
    await streams.read('customer-a');
    expect(read).toBe(2);
    // A stream longer than the events held in all is read each time, and evicts nothing.
    read = 0;
    await streams.read('customer-long');
    await streams.read('customer-long');
    expect(read).toBe(8);
  });
});
