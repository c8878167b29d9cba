import { join } from 'node:path';
import type { ReadModelStore } from '../read-model-store';
import { PostgresReadModelStore } from '../postgres/postgres.read-model-store';
import { SqliteReadModelStore } from '../sqlite/sqlite.read-model-store';
import { describeEachReadModelStore, type ReadModelHarness } from '../testing/read-model-stores';
import { tempDir } from '../testing/runtime-fixtures';
import {
  type CustomerScoreFilter,
  type CustomerScoreIndex,
  type CustomerScoreRow,
  EMPTY_SCORE_META,
  SCORE_INDEXES,
  SCORES_TABLE,
  type ScoreSort,
} from './customer-score-index';
import { PostgresCustomerScoreIndex } from './postgres.customer-score-index';
import { customerScoreIndexOf } from './score-index-of';
import { SqliteCustomerScoreIndex } from './sqlite.customer-score-index';

/** Customers as the indexer writes them: some without a fit yet (NULL risk, CLV and value at risk). */
function row(
  key: string,
  risk: number | null,
  clv: number | null,
  more: Partial<CustomerScoreRow> = {},
): CustomerScoreRow {
  return {
    key,
    churnBand: risk === null ? null : risk > 0.6 ? 'high' : risk > 0.3 ? 'medium' : 'low',
    churnRisk: risk,
    clv,
    currency: clv === null ? null : 'EUR',
    valueAtRisk: risk !== null && clv !== null ? Math.round(risk * clv * 100) / 100 : null,
    satisfaction: 'neutral',
    segment: 'consumer',
    country: 'DE',
    lastInteractionAt: null,
    lastPurchaseAt: null,
    revenue: 0,
    products: [],
    scoredAt: '2024-06-01T00:00:00.000Z',
    item: { customerId: key },
    ...more,
  };
}

const ROWS: CustomerScoreRow[] = [
  row('c0', 0.7, 900, {
    lastInteractionAt: '2024-05-01T10:00:00.000Z',
    products: ['tv', 'TV-55'],
    country: 'FR',
  }),
  row('c1', null, null, { satisfaction: 'at_risk' }),
  row('c2', 0.2, 100, { lastInteractionAt: '2024-03-01T10:00:00.000Z', products: ['phone'] }),
  row('c3', 0.7, 900, { lastInteractionAt: '2024-05-01T10:00:00.000Z', segment: 'business' }),
  row('c4', null, 300, { products: ['tv'] }),
  row('c5', 0.5, null, { lastInteractionAt: '2024-01-15T00:00:00.000Z' }),
  row('c6', 0.9, 50, { satisfaction: 'at_risk', products: ['TV-55'] }),
  row('c7', null, null),
  row('c8', 0.4, 2000, { lastInteractionAt: '2024-06-01T00:00:00.000Z' }),
];

const SORT_FIELD: Record<Exclude<ScoreSort, 'id'>, keyof CustomerScoreRow> = {
  churnRisk: 'churnRisk',
  clv: 'clv',
  valueAtRisk: 'valueAtRisk',
  lastInteraction: 'lastInteractionAt',
  lastPurchase: 'lastPurchaseAt',
  revenue: 'revenue',
};

/** What a page walk must return: NULLs first ascending and last descending, ties by key. */
function expected(sort: ScoreSort, direction: 'asc' | 'desc', rows = ROWS): string[] {
  const value = (r: CustomerScoreRow) =>
    sort === 'id' ? r.key : (r[SORT_FIELD[sort]] as string | number | null);
  const sorted = [...rows].sort((a, b) => {
    const [va, vb] = [value(a), value(b)];
    const byValue = va === vb ? 0 : va === null ? -1 : vb === null ? 1 : va < vb ? -1 : 1;
    return byValue || (a.key < b.key ? -1 : 1);
  });
  return (direction === 'asc' ? sorted : sorted.reverse()).map((r) => r.key);
}

describeEachReadModelStore('customer score index', (stores) => {
  let dir: ReturnType<typeof tempDir>;
  let harness: ReadModelHarness;
  let readModels: ReadModelStore;
  let index: CustomerScoreIndex;

  beforeEach(async () => {
    dir = tempDir();
    harness = await stores.create(join(dir.path, 'aftercare.db'));
    readModels = await harness.open();
    index = customerScoreIndexOf(readModels)!;
    await index.write(ROWS, EMPTY_SCORE_META);
  });

  afterEach(async () => {
    await readModels.close();
    await harness.dispose();
    dir.dispose();
  });

  async function walk(
    sort: ScoreSort,
    direction: 'asc' | 'desc',
    filter: CustomerScoreFilter = {},
    limit = 2,
    on: CustomerScoreIndex = index,
  ): Promise<string[]> {
    const keys: string[] = [];
    let after: string | undefined;
    for (let i = 0; i < 20; i++) {
      const page = await on.query({ sort, direction, limit, after, filter });
      keys.push(...page.items.map((item) => (item as { customerId: string }).customerId));
      if (!page.nextCursor) return keys;
      after = page.nextCursor;
    }
    throw new Error('paging did not end');
  }

  it.each([
    'churnRisk',
    'clv',
    'valueAtRisk',
    'lastInteraction',
    'lastPurchase',
    'revenue',
    'id',
  ] as ScoreSort[])(
    'pages through every customer by %s in both orders, over NULLs and ties',
    async (sort) => {
      for (const direction of ['asc', 'desc'] as const) {
        for (const limit of [1, 2, 4]) {
          expect(await walk(sort, direction, {}, limit)).toEqual(expected(sort, direction));
        }
      }
    },
  );

  it('filters by band, satisfaction, segment, country, product and last interaction', async () => {
    const keysOf = (filter: CustomerScoreFilter) => walk('id', 'asc', filter, 3);
    expect(await keysOf({ churnBand: 'high' })).toEqual(['c0', 'c3', 'c6']);
    expect(await keysOf({ satisfaction: 'at_risk' })).toEqual(['c1', 'c6']);
    expect(await keysOf({ segment: 'business' })).toEqual(['c3']);
    expect(await keysOf({ country: 'FR' })).toEqual(['c0']);
    expect(await keysOf({ currency: 'EUR', churnBand: 'high' })).toEqual(['c0', 'c3', 'c6']);
    expect(await keysOf({ product: 'tv' })).toEqual(['c0', 'c4']);
    expect(await keysOf({ product: 'TV-55' })).toEqual(['c0', 'c6']);
    expect(await keysOf({ lastInteractionBefore: '2024-05-01T10:00:00.000Z' })).toEqual([
      'c2',
      'c5',
    ]);
    expect(
      await keysOf({
        lastInteractionAfter: '2024-03-01T00:00:00.000Z',
        lastInteractionBefore: '2024-06-01T00:00:00.000Z',
      }),
    ).toEqual(['c0', 'c2', 'c3']);
    // Filtered and sorted, paged one by one: the order holds across pages (ties by key).
    expect(await walk('valueAtRisk', 'desc', { churnBand: 'high' }, 1)).toEqual(['c3', 'c0', 'c6']);
  });

  it('re-scoring a customer replaces their row and their products', async () => {
    await index.write([row('c0', 0.1, 10, { products: ['phone'] })], {
      ...EMPTY_SCORE_META,
      asOf: '2024-06-02T00:00:00.000Z',
    });
    expect(await walk('id', 'asc', { product: 'tv' })).toEqual(['c4']);
    expect(await walk('id', 'asc', { product: 'phone' })).toEqual(['c0', 'c2']);
    expect(await walk('id', 'asc', { churnBand: 'low' })).toEqual(['c0', 'c2']);
    expect((await index.meta()).asOf).toBe('2024-06-02T00:00:00.000Z');
    expect(await index.count()).toBe(ROWS.length);
  });

  it("re-scoring only some of a row's values (or none) sorts, filters and lists as a fresh index", async () => {
    const meta = { ...EMPTY_SCORE_META, asOf: '2024-06-02T00:00:00.000Z' };
    const rescored = ROWS.map((r, i) =>
      i % 3 === 0
        ? { ...r, lastInteractionAt: `2024-06-0${1 + (i % 9)}T00:00:00.000Z`, scoredAt: meta.asOf }
        : i % 3 === 1
          ? row(r.key, 0.4, r.clv, { ...r, churnBand: 'medium', churnRisk: 0.4, valueAtRisk: null })
          : r,
    );
    await index.write(rescored, meta);
    await index.write(rescored, meta); // nothing changed this time
    const fresh = join(dir.path, 'fresh.db');
    const freshHarness = await stores.create(fresh);
    const freshModels = await freshHarness.open();
    try {
      const freshIndex = customerScoreIndexOf(freshModels)!;
      await freshIndex.write(rescored, meta);
      for (const sort of ['churnRisk', 'valueAtRisk', 'lastInteraction', 'id'] as ScoreSort[]) {
        for (const direction of ['asc', 'desc'] as const) {
          expect(await walk(sort, direction)).toEqual(expected(sort, direction, rescored));
          for (const filter of [{ churnBand: 'medium' }, { churnBand: 'high' }] as const) {
            expect(await walk(sort, direction, filter)).toEqual(
              await walk(sort, direction, filter, 2, freshIndex),
            );
          }
        }
      }
      const all = await index.query({ sort: 'id', direction: 'asc', limit: 100, filter: {} });
      const again = await freshIndex.query({
        sort: 'id',
        direction: 'asc',
        limit: 100,
        filter: {},
      });
      expect(all.items).toEqual(again.items);
    } finally {
      await freshModels.close();
      await freshHarness.dispose();
    }
  });

  it('re-scoring with the same products keeps them; with one fewer, drops only that one', async () => {
    const meta = { ...EMPTY_SCORE_META, asOf: '2024-06-02T00:00:00.000Z' };
    await index.write([row('c0', 0.1, 10, { products: ['tv', 'TV-55'] })], meta);
    expect(await walk('id', 'asc', { product: 'TV-55' })).toEqual(['c0', 'c6']);
    await index.write([row('c0', 0.1, 10, { products: ['tv'] })], meta);
    expect(await walk('id', 'asc', { product: 'TV-55' })).toEqual(['c6']);
    expect(await walk('id', 'asc', { product: 'tv' })).toEqual(['c0', 'c4']);
  });

  it('an upgrade that adds sort indexes to a table with rows builds them step by step while the list answers', async () => {
    // The table as an older version left it: the rows, none of the sort indexes.
    for (const name of await harness.indexes(SCORES_TABLE)) {
      if (readModels instanceof SqliteReadModelStore) readModels.db.exec(`DROP INDEX "${name}"`);
      else {
        const pg = readModels as PostgresReadModelStore;
        await pg.pool.query(`DROP INDEX "${pg.schema}"."${name}"`);
      }
    }
    const upgraded =
      readModels instanceof SqliteReadModelStore
        ? new SqliteCustomerScoreIndex(readModels.db, { migrationStepRows: 2 })
        : new PostgresCustomerScoreIndex(
            (readModels as PostgresReadModelStore).pool,
            (readModels as PostgresReadModelStore).schema,
          );
    // Opening the index does not build them (that would hold the process while it sorts).
    await upgraded.ensure();
    expect(await harness.indexes(SCORES_TABLE)).toEqual([]);
    let steps = 0;
    while (await upgraded.migrate()) {
      steps++;
      expect(await walk('clv', 'desc', {}, 4, upgraded)).toEqual(expected('clv', 'desc'));
      expect(await walk('churnRisk', 'asc', { churnBand: 'high' }, 1, upgraded)).toEqual([
        'c0',
        'c3',
        'c6',
      ]);
    }
    // Every sort index is there (by its columns: names may carry a suffix), and nothing else.
    expect(await harness.indexes(SCORES_TABLE)).toHaveLength(SCORE_INDEXES.length);
    expect(await harness.tables(`${SCORES_TABLE}_`)).toEqual([]);
    // A step copies a bounded number of rows (SQLite) or builds one index (PostgreSQL).
    expect(steps).toBeGreaterThanOrEqual(
      harness.kind === 'sqlite' ? ROWS.length / 2 : SCORE_INDEXES.length,
    );
    for (const sort of ['churnRisk', 'clv', 'lastInteraction', 'id'] as ScoreSort[]) {
      expect(await walk(sort, 'asc', {}, 2, upgraded)).toEqual(expected(sort, 'asc'));
    }
    expect(await walk('id', 'asc', { product: 'TV-55' }, 2, upgraded)).toEqual(['c0', 'c6']);
    expect((await upgraded.meta()).asOf).toBe(EMPTY_SCORE_META.asOf);
    expect(await upgraded.migrate()).toBe(false);
    if (readModels instanceof SqliteReadModelStore) {
      const plan = readModels.db
        .prepare(
          `EXPLAIN QUERY PLAN SELECT key FROM ${SCORES_TABLE} WHERE churn_band = 'high' ORDER BY clv DESC, key DESC LIMIT 3`,
        )
        .all() as { detail: string }[];
      expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX/);
      expect(plan.map((p) => p.detail).join(' ')).not.toMatch(/TEMP B-TREE/);
    }
  });

  it('refuses a cursor issued for another sort or order', async () => {
    const page = await index.query({ sort: 'clv', direction: 'desc', limit: 2 });
    await expect(
      index.query({ sort: 'churnRisk', direction: 'desc', limit: 2, after: page.nextCursor! }),
    ).rejects.toThrow(/not a cursor for this sort/);
    await expect(
      index.query({ sort: 'clv', direction: 'asc', limit: 2, after: page.nextCursor! }),
    ).rejects.toThrow(/not a cursor for this sort/);
  });
});
