import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type AftercareEvent, customerStreamId, warrantyClaimStreamId } from '@aftercare/domain';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
// The folds' own test journey (a spec helper, not part of the library's exports).
import { eventfulJourney } from '../../../projections/src/testing/purity';
import { projections } from '@aftercare/projections';
import { partitionOf } from './customer-order.fold';
import { parallelSqliteFold } from './parallel.rebuild-source';
import { type FoldedState, rebuildProjections } from './rebuild';
import { headRow } from './sqlite.event-rows';
import { SqliteReadModelStore } from '../sqlite/sqlite.read-model-store';
import { sqliteRebuildSource, type SqliteRebuildSourceOptions } from './sqlite.rebuild-source';
import { tempDir } from '../testing/runtime-fixtures';

/** Workers run the TypeScript sources here, through the tsx loader. */
const FROM_SOURCES: SqliteRebuildSourceOptions = {
  workers: 2,
  workerExecArgv: ['--require', 'tsx/cjs'],
};

/** The journey of customer `cust-<i>`, with its own claim ids. */
function journeyOf(i: number): AftercareEvent[] {
  return JSON.parse(
    JSON.stringify(eventfulJourney())
      .replaceAll('"cust-1"', `"cust-${i}"`)
      .replaceAll('"w1"', `"w1-${i}"`),
  ) as AftercareEvent[];
}

function streamOf(event: AftercareEvent): string {
  const data = event.data as { customerId: string; claimId?: string };
  return event.type.startsWith('Warranty')
    ? warrantyClaimStreamId(data.claimId!)
    : customerStreamId(data.customerId);
}

describe('parallel rebuild from SQLite rows', () => {
  let dir: ReturnType<typeof tempDir>;
  let store: SqliteEventStore;
  let readModels: SqliteReadModelStore;

  beforeEach(async () => {
    dir = tempDir();
    const path = join(dir.path, 'aftercare.db');
    store = SqliteEventStore.open({ path, synchronous: 'normal' });
    readModels = SqliteReadModelStore.open({ path });
    // Customers interleaved, as a live store records them.
    const journeys = Array.from({ length: 40 }, (_, i) => journeyOf(i));
    for (let step = 0; step < journeys[0].length; step++) {
      for (const journey of journeys) {
        const event = journey[step];
        await store.appendToStream(streamOf(event), [
          { id: randomUUID(), type: event.type, data: event.data, metadata: { schemaVersion: 1 } },
        ]);
      }
    }
  });

  afterEach(async () => {
    await readModels.close();
    await store.close();
    dir.dispose();
  });

  async function rebuildWith(options: SqliteRebuildSourceOptions): Promise<unknown> {
    const result = await rebuildProjections({
      store,
      readModels,
      projections,
      owner: 'test',
      source: sqliteRebuildSource(store.db, options),
    });
    const tables: Record<string, unknown[]> = {};
    for (const projection of projections) {
      tables[projection.name] = readModels.db
        .prepare(`SELECT * FROM rm_${projection.name} ORDER BY key`)
        .all();
    }
    return { events: result.events, keys: result.projections, tables };
  }

  it('folds on two workers, each customer in one of them', async () => {
    const states = projections.map(() => new Map<string, FoldedState>());
    const sink = {
      done: (projection: number, key: string, folded: FoldedState) => {
        expect(states[projection].has(key)).toBe(false);
        states[projection].set(key, folded);
      },
      flush: async () => undefined,
      restart: async () => undefined,
    };
    const head = headRow(store.db);
    const folded = await parallelSqliteFold(
      store.db,
      head,
      projections,
      sink,
      () => undefined,
      FROM_SOURCES,
    );
    expect(folded).toEqual({ events: head, lastPosition: BigInt(head) });
    expect(states[0].size).toBe(40);
    expect(states[0].get('cust-7')?.encoded?.json).toContain('"customerId":"cust-7"');
  }, 30_000);

  it('gives the same read models as folding on one thread', async () => {
    const single = await rebuildWith({ workers: 1 });
    const parallel = await rebuildWith(FROM_SOURCES);
    expect(parallel).toEqual(single);
    expect((single as { keys: { keys: number }[] }).keys[0].keys).toBe(40);
  }, 30_000);

  it('folds in global order after all when an event sits in another customer’s stream', async () => {
    await store.appendToStream(customerStreamId('cust-3'), [
      {
        id: randomUUID(),
        type: 'ReferralMade',
        data: {
          customerId: 'cust-4',
          referralId: 'r-odd',
          referredCustomerId: 'cust-3',
          occurredAt: '2024-08-01T10:00:00Z',
        },
        metadata: { schemaVersion: 1 },
      },
    ]);
    const single = await rebuildWith({ workers: 1 });
    expect(await rebuildWith(FROM_SOURCES)).toEqual(single);
  }, 30_000);

  it('shares the customers out evenly', () => {
    const spread = [0, 0];
    for (let i = 0; i < 1000; i++) spread[partitionOf(`customer-${i}`, 2)]++;
    expect(Math.min(...spread)).toBeGreaterThan(400);
  });
});
