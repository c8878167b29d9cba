import { join } from 'node:path';
import type { Projection } from '@aftercare/projections';
import { InvalidReadModelQueryError, type ReadModelStore } from './read-model-store';
import {
  describeEachReadModelStore,
  type ReadModelHarness,
  type ReadModelHarnessFactory,
} from './testing/read-model-stores';
import { tempDir } from './testing/runtime-fixtures';

interface Scored {
  key: string;
  score: number | null;
}

/**
 * A read model whose column is NULL for some keys, as a CLV is before any fit: indexed, and only
 * stored (a query then scans, and must page the same).
 */
const scoredProjections: Projection<Scored>[] = [['score'], []].map((indexes) => ({
  name: 'scored',
  version: 1,
  filter: { categories: ['customer'] },
  keyOf: (event) => event.streamId,
  initialState: (key) => ({ key, score: null }),
  evolve: (state) => state,
  columns: { score: (s) => s.score },
  indexes,
}));

describeEachReadModelStore('keyset paging over a column with NULLs', (stores) =>
  describe.each(scoredProjections.map((p) => [p.indexes!.length ? 'indexed' : 'not indexed', p]))(
    'the column %s',
    (_, scored) => pagingOver(stores, scored),
  ),
);

function pagingOver(stores: ReadModelHarnessFactory, scored: Projection<Scored>): void {
  let dir: ReturnType<typeof tempDir>;
  let harness: ReadModelHarness;
  let readModels: ReadModelStore;

  beforeEach(async () => {
    dir = tempDir();
    harness = await stores.create(join(dir.path, 'aftercare.db'));
    readModels = await harness.open();
    await readModels.register(scored);
    expect(await readModels.acquireLease('scored', 'me', 60_000)).toBe(true);
    const scores = [3, null, 1, null, 2, 2, null, 5];
    await readModels.commitBatch(scored, {
      owner: 'me',
      epoch: 0,
      leaseTtlMs: 60_000,
      checkpoint: 8n,
      states: scores.map((score, i) => ({
        key: `k${i}`,
        state: { key: `k${i}`, score },
        position: BigInt(i + 1),
      })),
    });
  });

  afterEach(async () => {
    await readModels.close();
    await harness.dispose();
    dir.dispose();
  });

  async function pages(direction: 'asc' | 'desc'): Promise<string[]> {
    const keys: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 10; i++) {
      const page = await readModels.list<Scored>('scored', {
        orderBy: 'score',
        direction,
        limit: 2,
        after,
      });
      keys.push(...page.items.map((item) => item.key));
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    return keys;
  }

  it('pages through every row in both directions, NULLs first ascending and last descending', async () => {
    const all = await readModels.list<Scored>('scored', { orderBy: 'score', limit: 100 });
    expect(all.items.map((i) => i.key)).toEqual(['k1', 'k3', 'k6', 'k2', 'k4', 'k5', 'k0', 'k7']);
    expect(await pages('asc')).toEqual(['k1', 'k3', 'k6', 'k2', 'k4', 'k5', 'k0', 'k7']);
    expect(await pages('desc')).toEqual(['k7', 'k0', 'k5', 'k4', 'k2', 'k6', 'k3', 'k1']);
  });

  it('filters on the column and pages what it keeps', async () => {
    const where = [{ column: 'score', op: '>=', value: 2 }] as const;
    expect(await readModels.count('scored', where)).toBe(4);
    const first = await readModels.list<Scored>('scored', { where, orderBy: 'score', limit: 3 });
    expect(first.items.map((i) => i.key)).toEqual(['k4', 'k5', 'k0']);
    const rest = await readModels.list<Scored>('scored', {
      where,
      orderBy: 'score',
      limit: 3,
      after: first.nextCursor,
    });
    expect(rest.items.map((i) => i.key)).toEqual(['k7']);
    expect(await readModels.count('scored', { score: null })).toBe(3);
  });

  it('refuses a cursor it did not issue, whatever its value, before the database sees it', async () => {
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const forged of [
      [true, 'k1'],
      [{}, 'k1'],
      [{ a: 1 }, 'k1'],
      [[1, 2], 'k1'],
      [1, 2],
      [1, 'k1', 3],
      'not-json',
    ]) {
      await expect(
        readModels.list('scored', { orderBy: 'score', limit: 2, after: cursor(forged) }),
      ).rejects.toThrow(InvalidReadModelQueryError);
    }
    const page = await readModels.list<Scored>('scored', {
      orderBy: 'score',
      limit: 2,
      after: cursor([2, 'k4']),
    });
    expect(page.items.map((item) => item.key)).toEqual(['k5', 'k0']);
  });
}
