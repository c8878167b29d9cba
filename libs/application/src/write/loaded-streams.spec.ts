import { countedMemoryStore } from '../testing/counting-reads';
import { LoadedStreams } from './loaded-streams';

const event = (n: number) => ({
  id: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
  type: 'FeedbackRecorded',
  data: { n },
  metadata: { schemaVersion: 1 },
});

describe('LoadedStreams', () => {
  const fixture = countedMemoryStore();

  it('sees what another writer appended since, reading only that', async () => {
    const loaded = new LoadedStreams();
    await fixture.store.appendToStream('customer-ada', [event(1), event(2)]);
    const first = await loaded.load(fixture.reads.store, 'customer-ada');
    expect(first.expectedRevision).toBe(1n);

    await fixture.store.appendToStream('customer-ada', [event(3)], { expectedRevision: 1n });
    fixture.reads.events = 0;
    const second = await loaded.load(fixture.reads.store, 'customer-ada');
    expect(second.events.map((e) => (e.data as { n: number }).n)).toEqual([1, 2, 3]);
    expect(second.revision).toBe(2n);
    expect(second.expectedRevision).toBe(2n);
    expect(fixture.reads.events).toBe(1);
  });

  it('answers a stream that does not exist yet with no_stream, then its first events', async () => {
    const loaded = new LoadedStreams();
    expect((await loaded.load(fixture.reads.store, 'customer-bo')).expectedRevision).toBe(
      'no_stream',
    );
    await fixture.store.appendToStream('customer-bo', [event(1)]);
    expect((await loaded.load(fixture.reads.store, 'customer-bo')).events).toHaveLength(1);
  });

  it('keeps its copy when a caller changes the events list it was given', async () => {
    const loaded = new LoadedStreams();
    await fixture.store.appendToStream('customer-cy', [event(1)]);
    (await loaded.load(fixture.reads.store, 'customer-cy')).events.push(
      (await loaded.load(fixture.reads.store, 'customer-cy')).events[0],
    );
    expect((await loaded.load(fixture.reads.store, 'customer-cy')).events).toHaveLength(1);
  });

  it('says where an event id is in a held copy, fixture.reads.store only the events that copy holds', async () => {
    const loaded = new LoadedStreams();
    await fixture.store.appendToStream('customer-di', [event(1), event(2)]);
    const before = await loaded.load(fixture.reads.store, 'customer-di');
    const appended = await fixture.store.appendToStream('customer-di', [event(3)], {
      expectedRevision: 1n,
    });
    loaded.appended('customer-di', appended.events);
    const held = loaded.held('customer-di')!;
    expect(held.indexOf(event(1).id)).toBe(0);
    expect(held.indexOf(event(3).id)).toBe(2);
    expect(held.indexOf(event(4).id)).toBe(-1);
    // The copy handed out before the append does not hold event 3.
    expect(before.indexOf(event(2).id)).toBe(1);
    expect(before.indexOf(event(3).id)).toBe(-1);
  });

  it('forgets the least recently used stream past its capacity and reads it whole again', async () => {
    const loaded = new LoadedStreams(2);
    for (const id of ['a', 'b', 'c'])
      await fixture.store.appendToStream(`customer-${id}`, [event(1)]);
    await loaded.load(fixture.reads.store, 'customer-a');
    await loaded.load(fixture.reads.store, 'customer-b');
    await loaded.load(fixture.reads.store, 'customer-a');
    await loaded.load(fixture.reads.store, 'customer-c');
    expect(loaded.size).toBe(2);
    fixture.reads.events = 0;
    await loaded.load(fixture.reads.store, 'customer-a');
    expect(fixture.reads.events).toBe(0);
    await loaded.load(fixture.reads.store, 'customer-b');
    expect(fixture.reads.events).toBe(1);
  });
});
