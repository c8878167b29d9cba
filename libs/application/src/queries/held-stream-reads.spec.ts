import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { countedMemoryStore } from '../testing/counting-reads';
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
  const fixture = countedMemoryStore();

  it('answers what a fresh read answers, reading only what was appended since', async () => {
    const streams = new HeldStreamReads(fixture.reads.store);
    await fixture.store.appendToStream('customer-ada', [event(1), event(2)]);
    expect(await streams.read('customer-ada')).toEqual(await all(fixture.store, 'customer-ada'));
    expect(fixture.reads.events).toBe(2);

    fixture.reads.events = 0;
    expect(await streams.read('customer-ada')).toEqual(await all(fixture.store, 'customer-ada'));
    expect(fixture.reads.events).toBe(0);

    // Another writer (another process) appends: the next read sees it, reading only it.
    await fixture.store.appendToStream('customer-ada', [event(3)]);
    const third = await streams.read('customer-ada');
    expect(third.map((e) => e.data)).toEqual([1, 2, 3].map((n) => ({ n, scores: { nps: 9 } })));
    expect(third).toEqual(await all(fixture.store, 'customer-ada'));
    expect(fixture.reads.events).toBe(1);
  });

  it('holds nothing for a stream that does not exist yet, and sees it once written', async () => {
    const streams = new HeldStreamReads(fixture.reads.store);
    expect(await streams.read('customer-bob')).toEqual([]);
    expect(streams.size).toBe(0);
    await fixture.store.appendToStream('customer-bob', [event(1)]);
    expect(await streams.read('customer-bob')).toHaveLength(1);
  });

  it('shares frozen events: a reader cannot change what the next one gets', async () => {
    const streams = new HeldStreamReads(fixture.reads.store);
    await fixture.store.appendToStream('customer-ada', [event(1)]);
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
    const streams = new HeldStreamReads(fixture.reads.store, 2, 3);
    await fixture.store.appendToStream('customer-a', [event(1), event(2)]);
    await fixture.store.appendToStream('customer-b', [event(3)]);
    await fixture.store.appendToStream('customer-c', [event(4)]);
    await fixture.store.appendToStream('customer-long', [event(5), event(6), event(7), event(8)]);
    await streams.read('customer-a');
    await streams.read('customer-b');
    expect(streams.size).toBe(2);
    // Three streams would be one too many: the least recently read (a) goes.
    await streams.read('customer-c');
    expect(streams.size).toBe(2);
    fixture.reads.events = 0;
    await streams.read('customer-b');
    expect(fixture.reads.events).toBe(0);
    await streams.read('customer-a');
    expect(fixture.reads.events).toBe(2);
    // A stream longer than the events held in all is read each time, and evicts nothing.
    fixture.reads.events = 0;
    await streams.read('customer-long');
    await streams.read('customer-long');
    expect(fixture.reads.events).toBe(8);
  });
});
