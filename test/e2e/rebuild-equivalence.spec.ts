import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { seedStore } from '@aftercare/application';
import { customerStreamId } from '@aftercare/domain';
import type { GlobalPosition } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { passesFilter, projections } from '@aftercare/projections';
import {
  ProjectionEngine,
  rebuildProjections,
  type RebuildSource,
  SqliteReadModelStore,
  sqliteRebuildSource,
  storeSource,
} from '@aftercare/read-models';

/**
 * A rebuild gives, row for row, the read models the live projection runtime built event by event:
 * same keys, states, positions and indexed columns, for every registered projection, whichever
 * way the rebuild reads (customer groups on one thread or on workers, or the portable
 * global-order read). 300 customers: product_population's 256 buckets hold several customers
 * each, whose events interleave.
 */
describe('rebuild of a seeded world', () => {
  let dir: string;
  let store: SqliteEventStore;
  let readModels: SqliteReadModelStore;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-rebuild-eq-'));
    const path = join(dir, 'store.db');
    store = SqliteEventStore.open({ path, synchronous: 'normal', pollIntervalMs: 20 });
    readModels = SqliteReadModelStore.open({ path });
    await seedStore(store, { customers: 300, seed: 'rebuild-equivalence' });
  }, 60_000);

  afterAll(async () => {
    await readModels?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** Every read-model row of every projection, by table, in key order. */
  function tables(): Record<string, unknown[]> {
    const rows: Record<string, unknown[]> = {};
    for (const { name } of projections) {
      rows[name] = readModels.db.prepare(`SELECT * FROM rm_${name} ORDER BY key`).all();
    }
    return rows;
  }

  /** Runs the live runtime until each projection has applied the last event it takes. */
  async function incremental(): Promise<Record<string, unknown[]>> {
    const last = new Map<string, GlobalPosition>();
    for await (const event of store.readAll()) {
      for (const p of projections) {
        if (passesFilter(p.filter, event.streamId, event.type)) last.set(p.name, event.position);
      }
    }
    const engine = new ProjectionEngine({
      store,
      readModels,
      projections,
      instanceId: 'live',
      leaseTtlMs: 5_000,
      batchWaitMs: 5,
      log: () => undefined,
    });
    await engine.start();
    try {
      for (const [name, position] of last) await engine.waitForCheckpoint(name, position, 60_000);
    } finally {
      await engine.stop();
    }
    return tables();
  }

  /** The rebuilt rows, and whether the rebuild had to start over (in global order). */
  async function rebuilt(
    source: RebuildSource,
  ): Promise<{ rows: Record<string, unknown[]>; startedOver: boolean }> {
    const begin = jest.spyOn(readModels, 'beginRebuild');
    try {
      await rebuildProjections({ store, readModels, projections, owner: 'rebuild', source });
      return { rows: tables(), startedOver: begin.mock.calls.length > projections.length };
    } finally {
      begin.mockRestore();
    }
  }

  it('gives the rows the live runtime built, per customer and in global order', async () => {
    const live = await incremental();
    expect(live.customer_profile).toHaveLength(300);
    const grouped = { rows: live, startedOver: false };
    expect(await rebuilt(sqliteRebuildSource(store.db, { workers: 1 }))).toEqual(grouped);
    expect((await rebuilt(storeSource(store))).rows).toEqual(live);
    // Two workers, each folding a share of the customers (from the TypeScript sources here).
    const workers = { workers: 2, workerExecArgv: ['--require', 'tsx/cjs'] };
    expect(await rebuilt(sqliteRebuildSource(store.db, workers))).toEqual(grouped);
  }, 120_000);

  it('gives the same rows folding states in place as folding them by copies', async () => {
    // `evolve` alone, as the live runtime folds: no projection changes a state in place.
    const byCopies = projections.map(({ evolveInPlace: _inPlace, ...projection }) => projection);
    await rebuildProjections({
      store,
      readModels,
      projections: byCopies,
      owner: 'rebuild',
      source: sqliteRebuildSource(store.db, { workers: 1 }),
    });
    const copied = tables();
    expect(copied.product_population.length).toBeGreaterThan(100);
    expect((await rebuilt(sqliteRebuildSource(store.db, { workers: 1 }))).rows).toEqual(copied);
  }, 120_000);

  it('gives the same rows when an event sits in another customer’s stream', async () => {
    // Folding one customer's stream at a time cannot place this event: the rebuild folds in
    // global order instead, and must still agree with the live runtime.
    const [first, second] = (
      readModels.db.prepare('SELECT key FROM rm_customer_profile ORDER BY key LIMIT 2').all() as {
        key: string;
      }[]
    ).map((row) => row.key);
    await store.appendToStream(customerStreamId(first), [
      {
        id: randomUUID(),
        type: 'ReferralMade',
        data: {
          customerId: second,
          referralId: randomUUID(),
          referredCustomerId: first,
          occurredAt: '2024-06-01T10:00:00.000Z',
        },
        metadata: { schemaVersion: 1 },
      },
    ]);
    const live = await incremental();
    expect((await rebuilt(sqliteRebuildSource(store.db, { workers: 1 }))).rows).toEqual(live);
  }, 120_000);
});
