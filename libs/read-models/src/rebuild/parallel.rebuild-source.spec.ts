import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type AftercareEvent, customerStreamId, warrantyClaimStreamId } from '@aftercare/domain';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
// The folds' own test journey (a spec helper, not part of the library's exports).
import { eventfulJourney } from '../../../projections/src/testing/purity';
import { projections } from '@aftercare/projections';
import { parallelSqliteFold, partitionKeyOf, partitionOf } from './parallel.rebuild-source';
import { type FoldedStates, rebuildProjections } from './rebuild';
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
    const states = projections.map((): FoldedStates => new Map());
    const head = headRow(store.db);
    const folded = await parallelSqliteFold(
      store.db,
      head,
      projections,
      states,
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

  it('folds on one thread after all when a row is not where its partition hint says', async () => {
    // The first customerId of the raw data is not the event's customer: the hint is wrong.
    await store.appendToStream(warrantyClaimStreamId('w-odd'), [
      {
        id: randomUUID(),
        type: 'WarrantyClaimFulfilled',
        data: {
          note: { customerId: 'someone-else' },
          customerId: 'cust-3',
          claimId: 'w-odd',
          occurredAt: '2024-08-01T10:00:00Z',
          remedy: 'repair',
          amount: 10,
          currency: 'EUR',
        },
        metadata: { schemaVersion: 1 },
      },
    ]);
    const single = await rebuildWith({ workers: 1 });
    expect(await rebuildWith(FROM_SOURCES)).toEqual(single);
  }, 30_000);

  it('reads the partition hint of a raw row without parsing it', () => {
    expect(partitionKeyOf('customer-c-42', '{}')).toBe('c-42');
    expect(partitionKeyOf('warranty-w1', '{"claimId":"w1","customerId":"c-42"}')).toBe('c-42');
    expect(partitionKeyOf('warranty-w1', '{"claimId":"w1"}')).toBeUndefined();
    expect(partitionOf(undefined, 2)).toBe(0);
    const spread = [0, 0];
    for (let i = 0; i < 1000; i++) spread[partitionOf(`customer-${i}`, 2)]++;
    expect(Math.min(...spread)).toBeGreaterThan(400);
  });
});
