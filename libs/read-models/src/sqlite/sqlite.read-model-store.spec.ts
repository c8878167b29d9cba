import { SqliteReadModelStore } from './sqlite.read-model-store';
import { InvalidReadModelQueryError, UnknownReadModelError } from '../read-model-store';
import { tallyProjection, type TallyState } from '../testing/runtime-fixtures';

describe('SqliteReadModelStore', () => {
  let readModels: SqliteReadModelStore;
  const projection = tallyProjection();

  beforeEach(async () => {
    readModels = SqliteReadModelStore.open({ path: ':memory:' });
    await readModels.register(projection);
    await readModels.acquireLease('tally', 'me', 60_000);
    const states = Array.from({ length: 25 }, (_, i) => ({
      key: `k${String(i).padStart(2, '0')}`,
      state: { customerId: `k${i}`, events: i % 5, total: i * 10, types: [] } as TallyState,
      position: BigInt(i + 1),
    }));
    await readModels.commitBatch(projection, {
      owner: 'me',
      epoch: 0,
      leaseTtlMs: 60_000,
      states,
      checkpoint: 25n,
    });
  });

  afterEach(() => readModels.close());

  it('gets a state by key, with the position of its last event', async () => {
    expect(await readModels.get('tally', 'k03')).toEqual({
      key: 'k03',
      state: { customerId: 'k3', events: 3, total: 30, types: [] },
      position: 4n,
    });
    expect(await readModels.get('tally', 'nope')).toBeUndefined();
  });

  it('lists with conditions and order on indexed columns, by offset or keyset', async () => {
    const where = [{ column: 'events', op: '>=', value: 3 }] as const;
    expect(await readModels.count('tally', where)).toBe(10);
    const first = await readModels.list<TallyState>('tally', {
      where,
      orderBy: 'total',
      direction: 'desc',
      limit: 4,
    });
    expect(first.items.map((i) => i.state.total)).toEqual([240, 230, 190, 180]);
    const second = await readModels.list<TallyState>('tally', {
      where,
      orderBy: 'total',
      direction: 'desc',
      limit: 4,
      after: first.nextCursor,
    });
    expect(second.items.map((i) => i.state.total)).toEqual([140, 130, 90, 80]);
    const byOffset = await readModels.list<TallyState>('tally', {
      where,
      orderBy: 'total',
      direction: 'desc',
      limit: 4,
      offset: 4,
    });
    expect(byOffset.items).toEqual(second.items);
    expect(await readModels.count('tally', { events: 0 })).toBe(5);
  });

  it('rejects unknown columns and read models', async () => {
    await expect(readModels.list('tally', { orderBy: 'state' })).rejects.toThrow(
      InvalidReadModelQueryError,
    );
    await expect(readModels.count('tally', { nope: 1 })).rejects.toThrow(
      InvalidReadModelQueryError,
    );
    await expect(readModels.get('missing', 'k')).rejects.toThrow(UnknownReadModelError);
  });

  it('indexes the projection columns', () => {
    const indexes = readModels.db
      .prepare(
        `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rm_tally' AND sql IS NOT NULL`,
      )
      .pluck()
      .all();
    expect(indexes).toEqual(['rmix_tally_e0_events', 'rmix_tally_e0_total']);
  });

  it.each([false, true])(
    'swaps a rebuilt table in with every column indexed (beside a server: %s)',
    async (besideServer) => {
      const rebuilding = SqliteReadModelStore.open({ db: readModels.db, besideServer });
      await rebuilding.acquireLease('tally#rebuild', 'rebuilder', 60_000);
      await rebuilding.beginRebuild(projection);
      await rebuilding.writeRebuildStates(projection, [
        { key: 'a', state: { customerId: 'a', events: 7, total: 1, types: [] }, position: 1n },
        { key: 'b', state: { customerId: 'b', events: 9, total: 2, types: [] }, position: 2n },
      ]);
      await rebuilding.swapRebuild(projection, 2n, 'rebuilder');
      const indexes = readModels.db
        .prepare(
          `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'rm_tally' AND sql IS NOT NULL ORDER BY name`,
        )
        .pluck()
        .all();
      expect(indexes).toEqual(['rmix_tally_e1_events', 'rmix_tally_e1_total', 'rmkey_tally_e1']);
      const page = await readModels.list<TallyState>('tally', {
        where: [{ column: 'events', op: '>=', value: 8 }],
        orderBy: 'events',
      });
      expect(page.items.map((item) => item.key)).toEqual(['b']);
      // The key stays unique in the swapped-in table: a live write of a key replaces its row.
      await readModels.acquireLease('tally', 'me', 60_000);
      const state = { customerId: 'a', events: 8, total: 3, types: [] };
      const outcome = await readModels.commitBatch(projection, {
        owner: 'me',
        epoch: 1,
        leaseTtlMs: 60_000,
        states: [{ key: 'a', state, position: 3n }],
        checkpoint: 3n,
      });
      expect(outcome).toBe('committed');
      expect(await readModels.count('tally')).toBe(2);
      expect(await readModels.get('tally', 'a')).toEqual({ key: 'a', state, position: 3n });
    },
  );

  it('counts a key written twice into a rebuild table once, and swaps neither copy in', async () => {
    await readModels.acquireLease('tally#rebuild', 'rebuilder', 60_000);
    await readModels.beginRebuild(projection);
    const state = (events: number) => ({ customerId: 'a', events, total: 1, types: [] });
    await readModels.writeRebuildStates(projection, [{ key: 'a', state: state(1), position: 1n }]);
    await readModels.writeRebuildStates(projection, [
      { key: 'a', state: state(2), position: 2n },
      { key: 'b', state: state(3), position: 3n },
    ]);
    expect(await readModels.countRebuildRows(projection)).toBe(2);
    // better-sqlite3's errors are not instances of the test realm's Error: compare the code.
    const refused = await readModels.swapRebuild(projection, 3n, 'rebuilder').then(
      () => 'swapped',
      (error: { code?: string }) => error.code,
    );
    expect(refused).toBe('SQLITE_CONSTRAINT_UNIQUE');
    expect(await readModels.count('tally')).toBe(25);
  });

  it('gives a lease to one owner at a time and refuses commits from a former owner', async () => {
    expect(await readModels.acquireLease('tally', 'other', 60_000)).toBe(false);
    await readModels.releaseLease('tally', 'me');
    expect(await readModels.acquireLease('tally', 'other', 60_000)).toBe(true);
    const outcome = await readModels.commitBatch(projection, {
      owner: 'me',
      epoch: 0,
      leaseTtlMs: 1000,
      states: [{ key: 'k00', state: { late: true }, position: 99n }],
      checkpoint: 99n,
    });
    expect(outcome).toBe('lease_lost');
    expect((await readModels.getStatus('tally'))?.checkpoint).toBe(25n);
    expect((await readModels.renewLease('tally', 'me', 1000)).held).toBe(false);
  });
});
