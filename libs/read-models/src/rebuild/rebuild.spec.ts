import { join } from 'node:path';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { ProjectionEngine } from '../engine/projection-engine';
import { type ReadModelStore, rebuildLeaseName } from '../read-model-store';
import type { OfflineRebuild, OfflineRebuildRequest } from './offline-rebuild';
import { rebuildProjections, type RebuildProgress, type RebuildResult } from './rebuild';
import { sqliteRebuildSource } from './sqlite.rebuild-source';
import {
  appendPurchases,
  cleanReplay,
  customerEvent,
  eventually,
  tallyProjection,
  type TallyState,
  tempDir,
} from '../testing/runtime-fixtures';
import { describeEachReadModelStore, type ReadModelHarness } from '../testing/read-model-stores';

describeEachReadModelStore('rebuildProjections', (stores) => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteEventStore;
  let harness: ReadModelHarness;
  let readModels: ReadModelStore;
  let engine: ProjectionEngine;

  beforeEach(async () => {
    dir = tempDir();
    const path = join(dir.path, 'aftercare.db');
    store = SqliteEventStore.open({ path, synchronous: 'normal', pollIntervalMs: 20 });
    harness = await stores.create(path);
    readModels = await harness.open();
    engine = new ProjectionEngine({
      store,
      readModels,
      projections: [tallyProjection()],
      instanceId: 'live',
      leaseTtlMs: 300,
      batchWaitMs: 5,
      log: () => undefined,
    });
  });

  afterEach(async () => {
    await engine.stop();
    await readModels.close();
    await harness.dispose();
    await store.close();
    dir.dispose();
  });

  async function states(): Promise<Map<string, TallyState>> {
    const page = await readModels.list<TallyState>('tally', { limit: 10_000 });
    return new Map(page.items.map((item) => [item.key, item.state]));
  }

  it('rebuilds into a fresh table while the old one serves and the live runner goes on, then swaps', async () => {
    await appendPurchases(store, 200, 10);
    await engine.start();
    await engine.waitForCheckpoint('tally', 200n);
    // Damage the live table: the rebuild must replace it, not patch it.
    await harness.damage('rm_tally', 'c1', '{"broken":true}');

    const progress: RebuildProgress[] = [];
    const result = await rebuildProjections({
      store,
      readModels,
      projections: [tallyProjection()],
      owner: 'rebuilder',
      progressIntervalMs: 0,
      onProgress: (p) => progress.push(p),
      beforeSwap: async () => {
        // Mid-rebuild: the old table still serves, and new events still reach it.
        expect((await readModels.get<TallyState>('tally', 'c1'))?.state).toEqual({ broken: true });
        await appendPurchases(store, 20, 10, 200);
        await engine.waitForCheckpoint('tally', 220n);
        expect((await readModels.get<TallyState>('tally', 'c2'))?.state.events).toBe(22);
        expect((await readModels.getStatus('tally'))?.status).toBe('rebuilding');
      },
    });

    expect(result).toMatchObject({
      events: 200,
      projections: [{ name: 'tally', keys: 10, checkpoint: 200n }],
    });
    expect(progress.at(-1)).toMatchObject({ phase: 'done', eventsDone: 200, eventsTotal: 200 });
    expect(progress.some((p) => p.phase === 'reading' && p.eventsPerSecond > 0)).toBe(true);
    // The live runner notices the swap and applies the 20 newer events onto the rebuilt table once.
    await eventually(async () => (await readModels.getStatus('tally'))?.checkpoint === 220n);
    await eventually(async () => (await states()).get('c2')?.events === 22);
    expect(await states()).toEqual(await cleanReplay(tallyProjection(), store));
    const status = await readModels.getStatus('tally');
    expect(status).toMatchObject({ epoch: 1, status: 'running', activeTable: 'rm_tally' });
    const tables = await harness.tables('rm_tally');
    expect(tables).toEqual(['rm_tally']);
  });

  it('leaves the old table serving when a rebuild crashes, and the next rebuild starts clean', async () => {
    await appendPurchases(store, 50, 5);
    await engine.start();
    await engine.waitForCheckpoint('tally', 50n);
    const before = await states();

    await expect(
      rebuildProjections({
        store,
        readModels,
        projections: [tallyProjection()],
        owner: 'rebuilder',
        beforeSwap: () => {
          throw new Error('process killed');
        },
      }),
    ).rejects.toThrow('process killed');
    expect(await states()).toEqual(before);

    // A harder crash: leftovers of a dead rebuild, its lease expired.
    await harness.plantDeadRebuild('tally', ['events', 'total']);
    expect(await readModels.count('tally')).toBe(5);

    await engine.rebuild('tally');
    expect(await readModels.get('tally', 'ghost')).toBeUndefined();
    expect(await states()).toEqual(await cleanReplay(tallyProjection(), store));
  });

  it('rebuilds on command through its off-thread rebuild when that supports the projection', async () => {
    await appendPurchases(store, 20, 4);
    const supported = new Set<string>();
    const asked: OfflineRebuildRequest[] = [];
    const done: RebuildResult = {
      projections: [{ name: 'tally', keys: 4, checkpoint: 20n }],
      events: 20,
      durationMs: 1,
      eventsPerSecond: 20_000,
    };
    const offThread: OfflineRebuild = {
      minLag: 0n,
      supports: (projections) => projections.every((p) => supported.has(p.name)),
      run: async (request) => {
        asked.push(request);
        request.onProgress({
          projections: ['tally'],
          phase: 'done',
          eventsDone: 20,
          eventsTotal: 20,
          position: 20n,
          headPosition: 20n,
          eventsPerSecond: 20_000,
          etaSeconds: 0,
        });
        return done;
      },
    };
    const commanded = new ProjectionEngine({
      store,
      readModels,
      projections: [tallyProjection()],
      instanceId: 'cli',
      leaseTtlMs: 300,
      log: () => undefined,
      commandRebuild: offThread,
    });
    // Not supported: folded on this thread, as without it.
    await commanded.rebuild('tally');
    expect(asked).toEqual([]);
    expect(await states()).toEqual(await cleanReplay(tallyProjection(), store));

    supported.add('tally');
    const phases: string[] = [];
    const result = await commanded.rebuild('tally', {
      onProgress: (progress) => phases.push(progress.phase),
    });
    expect(result).toBe(done);
    expect(asked.map((r) => [r.projections.map((p) => p.name), r.owner])).toEqual([
      [['tally'], 'cli'],
    ]);
    expect(phases).toEqual(['done']);
  });

  it('refuses a second concurrent rebuild of the same projection', async () => {
    await appendPurchases(store, 5, 1);
    await readModels.register(tallyProjection());
    await readModels.acquireLease(rebuildLeaseName('tally'), 'other', 60_000);
    await expect(
      rebuildProjections({ store, readModels, projections: [tallyProjection()], owner: 'me' }),
    ).rejects.toThrow('already running');
  });

  it('folds customer groups from SQLite rows, and in global order when a key spans groups', async () => {
    await appendPurchases(store, 120, 12);
    // Keyed by customer, as declared: folded group by group, each key handed over once.
    const byCustomer = tallyProjection({ customerScope: 'customer' });
    // Declared wrongly: its one key gathers every customer's events, so the grouped fold hands
    // it over once per group; the rebuild notices and folds again in global order.
    const wrong = tallyProjection({
      name: 'everyone',
      customerScope: 'customer',
      keyOf: () => 'all',
    });
    const result = await rebuildProjections({
      store,
      readModels,
      projections: [byCustomer, wrong],
      owner: 'rebuilder',
      source: sqliteRebuildSource(store.db),
    });
    expect(result.projections.map((p) => p.keys)).toEqual([12, 1]);
    expect(await states()).toEqual(await cleanReplay(byCustomer, store));
    expect((await readModels.get<TallyState>('everyone', 'all'))?.state).toEqual(
      (await cleanReplay(wrong, store)).get('all'),
    );
    expect((await readModels.get<TallyState>('everyone', 'all'))?.state.events).toBe(120);
  });

  it('reads raw SQLite rows, parsing only what the projections take, with the same result', async () => {
    await appendPurchases(store, 100, 7);
    await store.appendToStream('warranty-w1', [customerEvent('c1', 'WarrantyClaimFiled')]);
    const other = { ...tallyProjection(), name: 'claims', filter: { categories: ['warranty'] } };
    const result = await rebuildProjections({
      store,
      readModels,
      projections: [tallyProjection(), other],
      owner: 'rebuilder',
      source: sqliteRebuildSource(store.db),
    });
    expect(result.events).toBe(101);
    expect(await states()).toEqual(await cleanReplay(tallyProjection(), store));
    expect((await readModels.get<TallyState>('claims', 'c1'))?.state.types).toEqual([
      'WarrantyClaimFiled',
    ]);
    expect((await readModels.getStatus('claims'))?.checkpoint).toBe(101n);
  });
});
