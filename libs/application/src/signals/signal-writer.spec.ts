import type { AppendResult, EventStore, EventToAppend } from '@aftercare/event-store';
import type { SignalToAppend } from './customer-signals';
import { SignalWriter } from './signal-writer';

/** An event store whose appends wait until the test lets them through. */
function gatedStore() {
  const asked: { streamId: string; id: string; release: (error?: Error) => void }[] = [];
  const stored: { streamId: string; id: string }[] = [];
  const store = {
    appendToStream(streamId: string, events: readonly EventToAppend[]): Promise<AppendResult> {
      return new Promise((resolve, reject) => {
        asked.push({
          streamId,
          id: events[0].id,
          release: (error) => {
            if (error) return reject(error);
            stored.push({ streamId, id: events[0].id });
            resolve({} as AppendResult);
          },
        });
      });
    },
  } as unknown as EventStore;
  return { store, asked, stored };
}

const signal = (id: string): SignalToAppend => ({
  id,
  type: 'SatisfactionStateChanged',
  data: {} as SignalToAppend['data'],
  metadata: { schemaVersion: 1 },
});

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('SignalWriter', () => {
  it("asks for every stream's first signal at once, and a stream's next only after its previous is stored", async () => {
    const { store, asked, stored } = gatedStore();
    const writer = new SignalWriter(store);
    writer.add('signal-a', [signal('a1'), signal('a2')]);
    writer.add('signal-b', [signal('b1')]);
    writer.add('signal-a', [signal('a3')]);
    await turn();
    // Both streams are asked for in the same turn (one group commit on the embedded store).
    expect(asked.map((a) => a.id)).toEqual(['a1', 'b1']);
    const flushed = writer.flush();
    let done = false;
    void flushed.then(() => (done = true));
    asked[0].release();
    asked[1].release();
    await turn();
    expect(asked.map((a) => a.id)).toEqual(['a1', 'b1', 'a2']);
    asked[2].release();
    await turn();
    expect(asked.map((a) => a.id)).toEqual(['a1', 'b1', 'a2', 'a3']);
    expect(done).toBe(false);
    asked[3].release();
    await flushed;
    expect(stored.filter((s) => s.streamId === 'signal-a').map((s) => s.id)).toEqual([
      'a1',
      'a2',
      'a3',
    ]);
  });

  it('keeps what a batch queued for a stream until the flush (a rebuild counts it as signalled)', async () => {
    const { store, asked } = gatedStore();
    const writer = new SignalWriter(store);
    writer.add('signal-a', [signal('a1')]);
    expect(writer.queued('signal-a').map((s) => s.id)).toEqual(['a1']);
    expect(writer.queued('signal-b')).toEqual([]);
    await turn();
    asked[0].release();
    await writer.flush();
    expect(writer.queued('signal-a')).toEqual([]);
  });

  it('after a failed append asks for nothing more, and the flush throws it', async () => {
    const { store, asked, stored } = gatedStore();
    const writer = new SignalWriter(store);
    writer.add('signal-a', [signal('a1'), signal('a2')]);
    writer.add('signal-b', [signal('b1'), signal('b2')]);
    await turn();
    const flushed = writer.flush();
    asked[0].release(new Error('disk full'));
    await turn();
    asked[1].release();
    await expect(flushed).rejects.toThrow('disk full');
    expect(asked.map((a) => a.id)).toEqual(['a1', 'b1']);
    expect(stored.map((s) => s.id)).toEqual(['b1']);
    // The writer is clean for the next batch.
    writer.add('signal-c', [signal('c1')]);
    await turn();
    asked[2].release();
    await expect(writer.flush()).resolves.toBeUndefined();
  });
});
