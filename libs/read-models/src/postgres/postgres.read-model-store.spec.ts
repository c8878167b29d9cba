import { Pool } from 'pg';
import type { AnyProjection, Projection } from '@aftercare/projections';
import { PostgresReadModelStore } from './postgres.read-model-store';
import {
  InvalidReadModelQueryError,
  rebuildLeaseName,
  StateEncodingError,
  type StateWrite,
  UnknownReadModelError,
} from '../read-model-store';
import {
  describeWithPostgres,
  postgresHarness,
  postgresTestUrl,
  type ReadModelHarness,
} from '../testing/read-model-stores';
import { eventually, tallyProjection, type TallyState } from '../testing/runtime-fixtures';

interface Row {
  id: string;
  score: number | null;
  at: string | null;
  label: string | null;
}

/** A projection whose columns are numbers, ISO dates and strings, each sometimes null. */
const rows: Projection<Row> = {
  name: 'rows',
  version: 1,
  filter: {},
  keyOf: () => undefined,
  initialState: (id) => ({ id, score: null, at: null, label: null }),
  evolve: (state) => state,
  columns: { score: (s) => s.score, at: (s) => s.at, label: (s) => s.label },
  indexes: ['score', 'at', 'label'],
};

describeWithPostgres('PostgresReadModelStore', () => {
  let harness: ReadModelHarness;
  let readModels: PostgresReadModelStore;
  const projection = tallyProjection();

  async function commit(
    target: AnyProjection,
    states: StateWrite[],
    checkpoint?: bigint,
    owner = 'me',
  ) {
    return readModels.commitBatch(target, {
      owner,
      epoch: (await readModels.getStatus(target.name))!.epoch,
      leaseTtlMs: 60_000,
      states,
      checkpoint,
    });
  }

  async function raw<T>(sql: string, params: unknown[] = []): Promise<T[]> {
    const { rows: result } = await readModels.pool.query(
      sql.replaceAll('$schema', `"${readModels.schema}"`),
      params,
    );
    return result as T[];
  }

  beforeEach(async () => {
    harness = await postgresHarness.create('');
    readModels = (await harness.open()) as PostgresReadModelStore;
    await readModels.register(projection);
    await readModels.acquireLease('tally', 'me', 60_000);
    const states = Array.from({ length: 25 }, (_, i) => ({
      key: `k${String(i).padStart(2, '0')}`,
      state: { customerId: `k${i}`, events: i % 5, total: i * 10, types: [] } as TallyState,
      position: BigInt(i + 1),
    }));
    await commit(projection, states, 25n);
  });

  afterEach(() => harness.dispose());

  describe('same behaviour as the SQLite store', () => {
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
      const query = { where, orderBy: 'total', direction: 'desc', limit: 4 } as const;
      const first = await readModels.list<TallyState>('tally', query);
      expect(first.items.map((i) => i.state.total)).toEqual([240, 230, 190, 180]);
      const second = await readModels.list<TallyState>('tally', {
        ...query,
        after: first.nextCursor,
      });
      expect(second.items.map((i) => i.state.total)).toEqual([140, 130, 90, 80]);
      const byOffset = await readModels.list<TallyState>('tally', { ...query, offset: 4 });
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

    it('indexes the projection columns', async () => {
      expect(await harness.indexes('rm_tally')).toEqual([
        'rmix_tally_e0_events',
        'rmix_tally_e0_total',
      ]);
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

  it('answers point reads asked for together in one statement, each its own row', async () => {
    await readModels.get('tally', 'k00'); // the table's columns are looked up once
    const statements = jest.spyOn(readModels.pool, 'query');
    try {
      const [a, missing, b, status] = await Promise.all([
        readModels.get('tally', 'k03'),
        readModels.get('tally', 'nope'),
        readModels.get('tally', 'k24'),
        readModels.getStatus('tally'),
      ]);
      expect(statements).toHaveBeenCalledTimes(1);
      expect(a?.state).toEqual({ customerId: 'k3', events: 3, total: 30, types: [] });
      expect(missing).toBeUndefined();
      expect(b).toMatchObject({ key: 'k24', position: 25n });
      expect(status).toEqual(await readModels.getStatus('tally'));
      expect(status).toMatchObject({ name: 'tally', checkpoint: 25n, epoch: 0 });
    } finally {
      statements.mockRestore();
    }
  });

  it('a point read that fails together with others fails alone', async () => {
    // Dropped behind the store's back: its table is still known, so the read reaches the database.
    await readModels.register(rows);
    await Promise.all([readModels.get('rows', 'x'), readModels.get('tally', 'k00')]);
    await raw('DROP TABLE $schema."rm_rows"');
    const statements = jest.spyOn(readModels.pool, 'query');
    const [dropped, kept] = await Promise.allSettled([
      readModels.get('rows', 'x'),
      readModels.get('tally', 'k01'),
    ]);
    const calls = statements.mock.calls.length;
    statements.mockRestore();
    // Together first (and failed), then each alone.
    expect(calls).toBe(3);
    expect(dropped.status).toBe('rejected');
    expect(kept).toMatchObject({ status: 'fulfilled', value: { key: 'k01', position: 2n } });
  });

  it('refuses a commit folded on an older epoch', async () => {
    await readModels.pool.query(
      `UPDATE "${readModels.schema}".rm_projection_status SET epoch = 3 WHERE name = 'tally'`,
    );
    const outcome = await readModels.commitBatch(projection, {
      owner: 'me',
      epoch: 0,
      leaseTtlMs: 1000,
      states: [{ key: 'k00', state: { late: true }, position: 99n }],
      checkpoint: 99n,
    });
    expect(outcome).toBe('epoch_changed');
    expect((await readModels.get('tally', 'k00'))?.position).toBe(1n);
    expect(await readModels.renewLease('tally', 'me', 1000)).toEqual({ held: true, epoch: 3 });
  });

  it('expires leases on the server clock', async () => {
    const other = (await harness.open()) as PostgresReadModelStore;
    expect(await readModels.acquireLease('short', 'me', 150)).toBe(true);
    expect(await other.acquireLease('short', 'other', 60_000)).toBe(false);
    const status = await readModels.getStatus('tally');
    expect(status?.leaseOwner).toBe('me');
    expect(status?.leaseExpiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    await eventually(() => other.acquireLease('short', 'other', 60_000), 3000);
    expect((await readModels.renewLease('short', 'me', 1000)).held).toBe(false);
  });

  it('types indexed columns by their values: numbers numerically, ISO dates in time order, NULLs first', async () => {
    await readModels.register(rows);
    await readModels.acquireLease('rows', 'me', 60_000);
    expect(await readModels.columnTypes('rows')).toEqual({
      score: 'untyped',
      at: 'untyped',
      label: 'untyped',
    });
    // Only nulls so far: the columns stay untyped, and can be queried.
    await commit(rows, [{ key: 'n', state: rows.initialState('n'), position: 1n }], 1n);
    expect(await readModels.count('rows', { score: null })).toBe(1);
    expect(await readModels.count('rows', [{ column: 'score', op: '>', value: 1 }])).toBe(0);

    const values: Row[] = [
      { id: 'a', score: 9, at: '2025-03-01T10:00:00.000Z', label: 'b' },
      { id: 'b', score: 10, at: '2024-12-31T23:59:59.999Z', label: 'B' },
      { id: 'c', score: 100.5, at: '2025-03-01T09:00:00.000Z', label: 'a' },
      { id: 'd', score: -2, at: null, label: null },
    ];
    await commit(
      rows,
      values.map((state, i) => ({ key: state.id, state, position: BigInt(i + 2) })),
      5n,
    );
    expect(await readModels.columnTypes('rows')).toEqual({
      score: 'number',
      at: 'text',
      label: 'text',
    });
    expect(await harness.indexes('rm_rows')).toEqual([
      'rmix_rows_e0_at',
      'rmix_rows_e0_label',
      'rmix_rows_e0_score',
    ]);
    const keys = async (orderBy: string, direction: 'asc' | 'desc' = 'asc') =>
      (await readModels.list('rows', { orderBy, direction })).items.map((i) => i.key);
    expect(await keys('score')).toEqual(['n', 'd', 'a', 'b', 'c']);
    expect(await keys('score', 'desc')).toEqual(['c', 'b', 'a', 'd', 'n']);
    expect(await keys('at')).toEqual(['d', 'n', 'b', 'c', 'a']);
    expect(await keys('label')).toEqual(['d', 'n', 'b', 'c', 'a']); // 'B' < 'a' < 'b': byte order, as SQLite
    expect(await readModels.count('rows', [{ column: 'score', op: '>=', value: 10 }])).toBe(2);
    expect(
      await readModels.count('rows', [{ column: 'at', op: '<', value: '2025-03-01T09:30:00Z' }]),
    ).toBe(2);
    await expect(readModels.count('rows', { score: 'high' })).rejects.toThrow(
      InvalidReadModelQueryError,
    );

    // Keyset paging over a numeric column, page by page.
    const seen: string[] = [];
    let after: string | undefined;
    do {
      const page = await readModels.list('rows', {
        where: [{ column: 'score', op: '!=', value: null }],
        orderBy: 'score',
        limit: 2,
        after,
      });
      seen.push(...page.items.map((i) => i.key));
      after = page.nextCursor;
    } while (after);
    expect(seen).toEqual(['d', 'a', 'b', 'c']);
  });

  it('fails a batch whose column value changes type, writing nothing', async () => {
    await readModels.register(rows);
    await readModels.acquireLease('rows', 'me', 60_000);
    await commit(
      rows,
      [{ key: 'a', state: { id: 'a', score: 1, at: null, label: null }, position: 1n }],
      1n,
    );
    const bad = commit(
      rows,
      [
        { key: 'b', state: { id: 'b', score: 2, at: null, label: null }, position: 2n },
        { key: 'c', state: { id: 'c', score: '3' as never, at: null, label: null }, position: 3n },
      ],
      3n,
    );
    await expect(bad).rejects.toThrow(StateEncodingError);
    await expect(bad).rejects.toMatchObject({ key: 'c' });
    expect(await readModels.count('rows')).toBe(1);
    expect((await readModels.getStatus('rows'))?.checkpoint).toBe(1n);
  });

  it('stores the JSON text byte for byte and honours encoded writes', async () => {
    const json = '{"total":7,  "customerId":"kx","events":1,"types":[],"big":12345678901234567890}';
    await commit(
      projection,
      [
        {
          key: 'kx',
          state: 'unused',
          position: 9007199254740993n,
          encoded: { json, columns: [1, 7] },
        },
      ],
      9007199254740993n,
    );
    const [stored] = await raw<{ state: string; events: number; total: number; position: string }>(
      `SELECT state, events, total, position::text AS position FROM $schema.rm_tally WHERE key = 'kx'`,
    );
    expect(stored).toEqual({ state: json, events: 1, total: 7, position: '9007199254740993' });
    expect((await readModels.get('tally', 'kx'))?.position).toBe(9007199254740993n);
    expect((await readModels.getStatus('tally'))?.checkpoint).toBe(9007199254740993n);
    const page = await readModels.list('tally', {
      orderBy: 'position',
      direction: 'desc',
      limit: 1,
    });
    expect(page.items[0].key).toBe('kx');
    const next = await readModels.list('tally', {
      orderBy: 'position',
      direction: 'desc',
      limit: 1,
      after: page.nextCursor,
    });
    expect(next.items[0].key).toBe('k24');
  });

  it('rebuilds with encoded writes, swaps twice, and keeps serving the old table until the swap', async () => {
    for (let round = 1; round <= 2; round++) {
      await readModels.acquireLease(rebuildLeaseName('tally'), 'rebuilder', 60_000);
      await readModels.beginRebuild(projection);
      expect((await readModels.getStatus('tally'))?.status).toBe('rebuilding');
      await readModels.writeRebuildStates(projection, [
        { key: 'r', state: { events: round }, position: 5n },
        {
          key: 's',
          state: undefined,
          position: 6n,
          encoded: { json: `{"events":${round * 10}}`, columns: [round * 10, 0] },
        },
      ]);
      expect(await readModels.count('tally')).toBe(round === 1 ? 25 : 2);
      const status = await readModels.swapRebuild(projection, 6n, 'rebuilder');
      await readModels.releaseLease(rebuildLeaseName('tally'), 'rebuilder');
      expect(status).toMatchObject({ epoch: round, checkpoint: 6n, activeTable: 'rm_tally' });
      expect((await readModels.list('tally')).items.map((i) => i.state)).toEqual([
        { events: round },
        { events: round * 10 },
      ]);
      expect(await harness.indexes('rm_tally')).toEqual([
        `rmix_tally_e${round}_events`,
        `rmix_tally_e${round}_total`,
      ]);
      expect(await harness.tables('rm_tally')).toEqual(['rm_tally']);
    }
    // The live runner's old epoch is refused after the swaps.
    const outcome = await readModels.commitBatch(projection, {
      owner: 'me',
      epoch: 0,
      leaseTtlMs: 1000,
      states: [],
      checkpoint: 7n,
    });
    expect(outcome).toBe('epoch_changed');
  });

  it('refuses a swap by a rebuild that lost its lease', async () => {
    await readModels.acquireLease(rebuildLeaseName('tally'), 'rebuilder', 60_000);
    await readModels.beginRebuild(projection);
    await readModels.releaseLease(rebuildLeaseName('tally'), 'rebuilder');
    await expect(readModels.swapRebuild(projection, 1n, 'rebuilder')).rejects.toThrow(
      'lost its lease',
    );
    expect(await readModels.count('tally')).toBe(25);
    await readModels.abandonRebuild('tally');
    expect(await harness.tables('rm_tally')).toEqual(['rm_tally']);
  });

  it('lets several instances start and register at once on a fresh schema', async () => {
    const schema = `${readModels.schema}_race`;
    const stores = await Promise.all(
      Array.from({ length: 4 }, () =>
        PostgresReadModelStore.connect({ connectionString: postgresTestUrl, schema }),
      ),
    );
    try {
      const statuses = await Promise.all(stores.map((s) => s.register(tallyProjection())));
      expect(statuses.map((s) => s.epoch)).toEqual([0, 0, 0, 0]);
      expect(await stores[0].count('tally')).toBe(0);
    } finally {
      for (const store of stores) await store.close();
      await readModels.pool.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    }
  });

  it('shares a pool without ending it', async () => {
    const pool = new Pool({ connectionString: postgresTestUrl, max: 2 });
    try {
      const shared = await PostgresReadModelStore.connect({ pool, schema: readModels.schema });
      expect(await shared.count('tally')).toBe(25);
      await shared.close();
      expect((await pool.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    } finally {
      await pool.end();
    }
  });

  it('refuses projection names PostgreSQL would truncate', async () => {
    await expect(
      readModels.register(tallyProjection({ name: `p${'x'.repeat(50)}` })),
    ).rejects.toThrow(InvalidReadModelQueryError);
  });
});
