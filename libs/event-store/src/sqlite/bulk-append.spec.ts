import { randomUUID } from 'node:crypto';
import type { RecordedEvent } from '../event-store.port';
import { serializeAppend, type SerializedAppend } from '../bulk-append';
import { WrongExpectedVersionError } from '../errors';
import { SqliteEventStore } from './sqlite.event-store';

const events = (stream: string, n: number) =>
  Array.from({ length: n }, (_, i) => ({
    id: randomUUID(),
    type: 'Counted',
    data: { stream, i, text: 'é'.repeat(i) },
    metadata: { schemaVersion: 1, correlationId: stream },
  }));

/** Everything stored, in global order, without the wall-clock time of the append. */
async function everything(store: SqliteEventStore): Promise<Omit<RecordedEvent, 'recordedAt'>[]> {
  const all = [];
  for await (const { recordedAt: _recordedAt, ...event } of store.readAll()) all.push(event);
  return all;
}

describe('SqliteEventStore.appendSerialized: a bulk load', () => {
  let bulk: SqliteEventStore;
  let one: SqliteEventStore;
  let appends: SerializedAppend[];

  beforeEach(() => {
    bulk = SqliteEventStore.open({ path: ':memory:' });
    one = SqliteEventStore.open({ path: ':memory:' });
    const a = events('a', 150);
    const b = events('b', 3);
    // Stream a in two appends, the second after b's, as a seed splits a long stream.
    appends = [
      serializeAppend('counter-a', a.slice(0, 100), 'no_stream'),
      serializeAppend('counter-b', b, 'no_stream'),
      serializeAppend('counter-a', a.slice(100), 99n),
    ];
  });

  afterEach(async () => {
    await bulk.close();
    await one.close();
  });

  it('stores what the same appends one by one store: positions, revisions, ids, data', async () => {
    await bulk.appendSerialized(appends);
    for (const append of appends) {
      const stored = append.ids.map((id, i) => ({
        id,
        type: append.types[i],
        data: JSON.parse(append.data[i]) as unknown,
        metadata: JSON.parse(append.metadata[i]) as { schemaVersion: number },
      }));
      await one.appendToStream(append.streamId, stored, {
        expectedRevision: append.expectedRevision,
      });
    }
    const loaded = await everything(bulk);
    expect(loaded).toHaveLength(153);
    expect(loaded).toEqual(await everything(one));
    expect(loaded.filter((e) => e.streamId === 'counter-a').map((e) => e.revision)).toEqual(
      Array.from({ length: 150 }, (_, i) => BigInt(i)),
    );
  });

  it('a re-run of the same appends stores nothing more', async () => {
    await bulk.appendSerialized(appends);
    await bulk.appendSerialized(appends);
    await bulk.appendSerialized(appends.slice(2));
    expect(await everything(bulk)).toHaveLength(153);
    expect(await bulk.headPosition()).toBe(153n);
  });

  it('completes a load that stopped half-way, in the same order', async () => {
    await one.appendSerialized(appends);
    await bulk.appendSerialized(appends.slice(0, 1));
    await bulk.appendSerialized(appends);
    expect(await everything(bulk)).toEqual(await everything(one));
  });

  it('refuses appends to a stream that holds other events, and keeps what it held', async () => {
    await bulk.appendToStream('counter-b', events('b', 1));
    await expect(bulk.appendSerialized(appends)).rejects.toBeInstanceOf(WrongExpectedVersionError);
    const held = await everything(bulk);
    expect(held.filter((e) => e.streamId === 'counter-b')).toHaveLength(1);
  });

  it("takes 'any' and 'stream_exists' as the port does, and refuses a stream that is not there", async () => {
    await bulk.appendSerialized(appends.slice(0, 1));
    const c = events('c', 2);
    await bulk.appendSerialized([
      serializeAppend('counter-a', events('a', 2), 'any'),
      serializeAppend('counter-c', c.slice(0, 1), 'any'),
      serializeAppend('counter-c', c.slice(1), 'stream_exists'),
    ]);
    const held = await everything(bulk);
    expect(held.map((e) => [e.streamId, e.revision, e.position])).toEqual([
      ...Array.from({ length: 102 }, (_, i) => ['counter-a', BigInt(i), BigInt(i + 1)]),
      ['counter-c', 0n, 103n],
      ['counter-c', 1n, 104n],
    ]);
    const missing = serializeAppend('counter-d', events('d', 1), 'stream_exists');
    await expect(bulk.appendSerialized([missing])).rejects.toBeInstanceOf(
      WrongExpectedVersionError,
    );
    expect(await bulk.headPosition()).toBe(104n);
  });

  it('refuses an expected revision the stream is not at', async () => {
    await bulk.appendSerialized(appends.slice(0, 1));
    const wrong = { ...appends[2], expectedRevision: 120n };
    await expect(bulk.appendSerialized([wrong])).rejects.toBeInstanceOf(WrongExpectedVersionError);
    expect(await bulk.headPosition()).toBe(100n);
  });
});
