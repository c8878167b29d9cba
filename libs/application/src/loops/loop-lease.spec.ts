import { type ReadModelStore, SqliteReadModelStore } from '@aftercare/read-models';
import { LoopLease } from './loop-lease';

describe('the background loops’ lease', () => {
  let readModels: SqliteReadModelStore;
  beforeEach(() => (readModels = SqliteReadModelStore.open({ path: ':memory:' })));
  afterEach(() => readModels.close());

  it('lets one instance run; another takes over once the holder stops renewing, and the holder learns it lost', async () => {
    // The holder's connection can be cut, as a hung or partitioned process's would be.
    let cut = false;
    const holderView: ReadModelStore = Object.create(readModels, {
      renewLease: {
        value: (name: string, owner: string, ttl: number) =>
          cut ? Promise.reject(new Error('cut')) : readModels.renewLease(name, owner, ttl),
      },
    });
    const holder = new LoopLease(holderView, 'webhooks', 300);
    const other = new LoopLease(readModels, 'webhooks', 300);
    const stop = new AbortController();
    let lost = false;
    expect(await holder.acquire(stop.signal, () => (lost = true))).toBe(true);

    let otherHolds = false;
    const taking = other.acquire(stop.signal, () => undefined).then((held) => (otherHolds = held));
    // Renewed every 100 ms, the lease outlives its 300 ms time to live: the other waits.
    await new Promise((resolve) => setTimeout(resolve, 700));
    expect(otherHolds).toBe(false);

    cut = true;
    await taking;
    expect(otherHolds).toBe(true);
    expect(other.held).toBe(true);

    cut = false;
    const deadline = Date.now() + 2_000;
    while (!lost && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lost).toBe(true);
    expect(holder.held).toBe(false);
    await holder.release();
    await other.release();
    stop.abort();
  });

  it('is taken at once after the holder releases it', async () => {
    const a = new LoopLease(readModels, 'signals', 60_000);
    const b = new LoopLease(readModels, 'signals', 300);
    const stop = new AbortController();
    expect(await a.acquire(stop.signal, () => undefined)).toBe(true);
    const taking = b.acquire(stop.signal, () => undefined);
    await a.release();
    expect(await taking).toBe(true);
    await b.release();
    stop.abort();
  });
});
