import { AppendWindow } from './append-window';

/** An append the test settles by hand. */
function gate(): { promise: Promise<void>; open: () => void; fail: (error: Error) => void } {
  let open!: () => void;
  let fail!: (error: Error) => void;
  const promise = new Promise<void>((resolve, reject) => {
    open = resolve;
    fail = reject;
  });
  return { promise, open, fail };
}

describe('AppendWindow', () => {
  it("runs a stream's appends in the order added, other streams' beside them", async () => {
    const window = new AppendWindow(8);
    const started: string[] = [];
    const first = gate();
    await window.add('a', () => (started.push('a1'), first.promise));
    await window.add('a', async () => void started.push('a2'));
    await window.add('b', async () => void started.push('b1'));
    expect(started).toEqual(['a1', 'b1']);
    first.open();
    await window.drain();
    expect(started).toEqual(['a1', 'b1', 'a2']);
  });

  it('keeps at most its limit in flight', async () => {
    const window = new AppendWindow(2);
    const gates = [gate(), gate(), gate()];
    let running = 0;
    let most = 0;
    const adding = (async () => {
      for (const [i, g] of gates.entries()) {
        await window.add(`s${i}`, async () => {
          most = Math.max(most, ++running);
          await g.promise;
          running--;
        });
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    expect(running).toBe(2);
    for (const g of gates) g.open();
    await adding;
    await window.drain();
    expect(most).toBe(2);
  });

  it('throws the first failure and starts nothing after it', async () => {
    const window = new AppendWindow(8);
    const failing = gate();
    const later = jest.fn(async () => undefined);
    await window.add('a', () => failing.promise);
    await window.add('a', later);
    failing.fail(new Error('disk full'));
    await expect(window.drain()).rejects.toThrow('disk full');
    expect(later).not.toHaveBeenCalled();
    await expect(window.add('b', later)).rejects.toThrow('disk full');
  });
});
