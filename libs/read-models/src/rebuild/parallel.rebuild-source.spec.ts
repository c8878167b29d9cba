import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { type AftercareEvent, customerStreamId, warrantyClaimStreamId } from '@aftercare/domain';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
// The folds' own test journey (a spec helper, not part of the library's exports).
import { eventfulJourney } from '../../../projections/src/testing/purity';
import { projections } from '@aftercare/projections';
import { parallelSqliteFold } from './parallel.rebuild-source';
import { type FoldedState, rebuildProjections, storeSource } from './rebuild';
import { headRow } from './sqlite.event-rows';
import { SqliteReadModelStore } from '../sqlite/sqlite.read-model-store';
import { sqliteRebuildSource, type SqliteRebuildSourceOptions } from './sqlite.rebuild-source';
import { tempDir } from '../testing/runtime-fixtures';

/** Workers run the TypeScript sources here, through the tsx loader. */
const FROM_SOURCES: SqliteRebuildSourceOptions = {
  workers: 2,
  workerExecArgv: ['--require', 'tsx/cjs'],
};

/** The journey of customer `cust-<i>`, with its own claim and complaint ids. */
function journeyOf(i: number): AftercareEvent[] {
  return JSON.parse(
    JSON.stringify(eventfulJourney())
      .replaceAll('"cust-1"', `"cust-${i}"`)
      .replaceAll('"w1"', `"w1-${i}"`)
      .replaceAll('"c1"', `"c1-${i}"`)
      .replaceAll('"c2"', `"c2-${i}"`),
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

  async function rebuildWith(options: SqliteRebuildSourceOptions | 'portable'): Promise<unknown> {
    const result = await rebuildProjections({
      store,
      readModels,
      projections,
      owner: 'test',
      source: options === 'portable' ? storeSource(store) : sqliteRebuildSource(store.db, options),
    });
    const tables: Record<string, unknown[]> = {};
    for (const projection of projections) {
      tables[projection.name] = readModels.db
        .prepare(`SELECT * FROM rm_${projection.name} ORDER BY key`)
        .all();
    }
    return { events: result.events, keys: result.projections, tables };
  }

  it('folds on two workers, each customer’s states handed over once', async () => {
    const states = projections.map(() => new Map<string, FoldedState>());
    const sink = {
      done: (projection: number, key: string, folded: FoldedState) => {
        expect(states[projection].has(key)).toBe(false);
        states[projection].set(key, folded);
      },
      flush: async () => undefined,
      restart: async () => undefined,
      repeatedKeys: async () => false,
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
    expect(folded).toBe(head);
    expect(states[0].size).toBe(40);
    // Encoded on the worker, in the profile's stored form: cust-7's own claim is in it.
    const json = states[0].get('cust-7')?.encoded?.json ?? '[]';
    const profile = projections[0].stored!.decode(JSON.parse(json) as unknown[], 'cust-7');
    expect(Object.keys((profile as { claims: object }).claims)).toEqual(['w1-7']);
  }, 30_000);

  it('gives the same read models as folding on one thread', async () => {
    const single = await rebuildWith({ workers: 1 });
    const parallel = await rebuildWith(FROM_SOURCES);
    expect(parallel).toEqual(single);
    expect((single as { keys: { keys: number }[] }).keys[0].keys).toBe(40);
  }, 30_000);

  it('starts over with twice the old generation when a worker runs out of memory', async () => {
    const single = await rebuildWith({ workers: 1 });
    const warnings: string[] = [];
    // 4 MB does not even load the sources: 4, 8, 16, ... until the workers fit.
    const bounded = await rebuildWith({
      ...FROM_SOURCES,
      workerOldGenerationMb: 4,
      warn: (message) => warnings.push(message),
    });
    expect(bounded).toEqual(single);
    expect(warnings[0]).toBe(
      'A rebuild worker ran out of its 4 MB old generation: the fold starts over with 8 MB',
    );
    expect(warnings.every((w, i) => w.includes(`its ${4 * 2 ** i} MB`))).toBe(true);
  }, 60_000);

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
    const inGlobalOrder = await rebuildWith('portable');
    expect(await rebuildWith({ workers: 1 })).toEqual(inGlobalOrder);
    expect(await rebuildWith(FROM_SOURCES)).toEqual(inGlobalOrder);
  }, 30_000);

  it('folds in global order after all when a complaint’s events span two customers', async () => {
    // cust-30's stream acknowledges cust-3's complaint, as cust-30: the complaint's key is in two
    // customers' groups.
    await store.appendToStream(customerStreamId('cust-30'), [
      {
        id: randomUUID(),
        type: 'ComplaintAcknowledged',
        data: { customerId: 'cust-30', complaintId: 'c2-3', occurredAt: '2024-08-02T10:00:00Z' },
        metadata: { schemaVersion: 1 },
      },
    ]);
    const inGlobalOrder = await rebuildWith('portable');
    expect(await rebuildWith({ workers: 1 })).toEqual(inGlobalOrder);
    expect(await rebuildWith(FROM_SOURCES)).toEqual(inGlobalOrder);
  }, 30_000);
});
