import { join } from 'node:path';
import { type AnyProjection, type Projection, projections } from '@aftercare/projections';
import {
  InvalidReadModelQueryError,
  readModelTable,
  rebuildLeaseName,
  type ReadModelStore,
} from './read-model-store';
import { describeEachReadModelStore, type ReadModelHarness } from './testing/read-model-stores';
import { tempDir } from './testing/runtime-fixtures';

interface Item {
  key: string;
  a: number | null;
  b: string | null;
  c: number | null;
}

/** Three columns, of which `indexes` says which are indexed. */
function items(indexes: readonly string[], version = 1): Projection<Item> {
  return {
    name: 'items',
    version,
    filter: {},
    keyOf: () => undefined,
    initialState: (key) => ({ key, a: null, b: null, c: null }),
    evolve: (state) => state,
    columns: { a: (s) => s.a, b: (s) => s.b, c: (s) => s.c },
    indexes,
  };
}

const rows: Item[] = Array.from({ length: 12 }, (_, i) => ({
  key: `k${String(i).padStart(2, '0')}`,
  a: i % 4,
  b: i % 3 === 0 ? null : `v${i % 5}`,
  c: 100 - i,
}));

/** The column index names a store gives a projection's table at an epoch (short names: unhashed). */
const declared = (name: string, epoch: number, columns: readonly string[]): string[] =>
  columns.map((column) => `rmix_${name}_e${epoch}_${column}`).sort();

describeEachReadModelStore('read-model indexes: the declared ones, no others', (stores) => {
  let dir: ReturnType<typeof tempDir>;
  let harness: ReadModelHarness;

  beforeEach(async () => {
    dir = tempDir();
    harness = await stores.create(join(dir.path, 'aftercare.db'));
  });

  afterEach(async () => {
    await harness.dispose();
    dir.dispose();
  });

  async function commit(readModels: ReadModelStore, projection: AnyProjection): Promise<void> {
    expect(await readModels.acquireLease(projection.name, 'me', 60_000)).toBe(true);
    const status = await readModels.getStatus(projection.name);
    const outcome = await readModels.commitBatch(projection, {
      owner: 'me',
      epoch: status!.epoch,
      leaseTtlMs: 60_000,
      checkpoint: BigInt(rows.length),
      states: rows.map((state, i) => ({ key: state.key, state, position: BigInt(i + 1) })),
    });
    expect(outcome).toBe('committed');
  }

  async function rebuild(readModels: ReadModelStore, projection: AnyProjection): Promise<void> {
    const lease = rebuildLeaseName(projection.name);
    expect(await readModels.acquireLease(lease, 'rebuilder', 60_000)).toBe(true);
    await readModels.beginRebuild(projection);
    await readModels.writeRebuildStates(
      projection,
      rows.map((state, i) => ({ key: state.key, state, position: BigInt(i + 1) })),
    );
    await readModels.swapRebuild(projection, BigInt(rows.length), 'rebuilder');
    await readModels.releaseLease(lease, 'rebuilder');
  }

  /** What every query of the test asks: results, order and pages must not depend on indexes. */
  async function answers(readModels: ReadModelStore): Promise<unknown> {
    const pages: string[][] = [];
    let after: string | undefined;
    do {
      const page = await readModels.list('items', {
        where: [{ column: 'c', op: '<=', value: 96 }],
        orderBy: 'b',
        direction: 'desc',
        limit: 3,
        after,
      });
      pages.push(page.items.map((item) => item.key));
      after = page.nextCursor;
    } while (after);
    return {
      pages,
      byA: (await readModels.list('items', { where: { a: 1 }, orderBy: 'c' })).items,
      nulls: await readModels.count('items', { b: null }),
    };
  }

  it('indexes the declared columns only: at creation, as columns get their types, and at a swap', async () => {
    const projection = items(['b']);
    const readModels = await harness.open();
    await readModels.register(projection);
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 0, ['b']));
    // PostgreSQL types a column (a DROP and ADD) at its first value: only a declared one is indexed.
    await commit(readModels, projection);
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 0, ['b']));
    await rebuild(readModels, projection);
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 1, ['b']));
    await rebuild(readModels, items([]));
    expect(await harness.indexes('rm_items')).toEqual([]);
  });

  it('refuses to index a column the projection does not declare', async () => {
    const readModels = await harness.open();
    await expect(readModels.register(items(['a', 'nope']))).rejects.toThrow(
      InvalidReadModelQueryError,
    );
  });

  it('at start, drops from an existing table the indexes no longer declared and builds a declared one it lacks, with the same answers', async () => {
    // A database of the code that indexed every column, rebuilt once (its index names at epoch 1).
    const before = await harness.open();
    const everyColumn = items(['a', 'b', 'c']);
    await before.register(everyColumn);
    await commit(before, everyColumn);
    await rebuild(before, everyColumn);
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 1, ['a', 'b', 'c']));
    const expected = await answers(before);
    await before.close();

    const after = await harness.open();
    await after.register(items(['a']));
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 1, ['a']));
    expect(await answers(after)).toEqual(expected);
    // Registering again changes nothing; declaring one more builds it.
    await after.register(items(['a']));
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 1, ['a']));
    await after.register(items(['c', 'a']));
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 1, ['a', 'c']));
    expect(await answers(after)).toEqual(expected);
  });

  it('leaves a table of another version as it is: its rebuild swaps in a table with the declared indexes', async () => {
    const readModels = await harness.open();
    await readModels.register(items(['a', 'b', 'c']));
    await commit(readModels, items(['a', 'b', 'c']));
    const next = items(['c'], 2);
    await readModels.register(next);
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 0, ['a', 'b', 'c']));
    await rebuild(readModels, next);
    expect(await harness.indexes('rm_items')).toEqual(declared('items', 1, ['c']));
  });

  it('gives every registered projection its declared indexes and no other', async () => {
    const readModels = await harness.open();
    for (const projection of projections) await readModels.register(projection);
    for (const projection of projections) {
      const table = readModelTable(projection.name);
      // PostgreSQL hashes a name past 63 bytes: count those, compare the others by name.
      const names = declared(projection.name, 0, projection.indexes ?? []);
      const found = await harness.indexes(table);
      expect({ table, count: found.length }).toEqual({ table, count: names.length });
      expect(found.filter((n) => !/^rmix_[0-9a-f]{40}$/.test(n))).toEqual(
        names.filter((n) => n.length <= 63),
      );
    }
  });
});
