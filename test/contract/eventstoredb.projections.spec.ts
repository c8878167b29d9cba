/**
 * Projections on the EventStoreDB adapter: its positions must fit the read-model stores'
 * checkpoint columns (64-bit integers) and keep $all's order, so that a projection commits its
 * batches, resumes from its checkpoint and never applies an event twice.
 */
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { EventStoreDbEventStore } from '../../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import { ProjectionEngine } from '../../libs/read-models/src/engine/projection-engine';
import type { ReadModelStore } from '../../libs/read-models/src/read-model-store';
import {
  appendPurchases,
  cleanReplay,
  tallyProjection,
  type TallyState,
  tempDir,
} from '../../libs/read-models/src/testing/runtime-fixtures';
import {
  describeEachReadModelStore,
  type ReadModelHarness,
} from '../../libs/read-models/src/testing/read-model-stores';
import {
  type EsdbTestServer,
  startEsdbTestServer,
} from '../support/esdb-test-server/esdb-test-server';

jest.setTimeout(30_000);

describeEachReadModelStore('Projections on EventStoreDB (protocol test server)', (stores) => {
  for (const commitRecords of [false, true]) {
    describe(
      commitRecords ? 'appends with commit records (older servers)' : 'current servers',
      () => {
        let server: EsdbTestServer;
        let store: EventStoreDbEventStore;
        let dir: ReturnType<typeof tempDir>;
        let harness: ReadModelHarness;

        beforeEach(async () => {
          server = await startEsdbTestServer({ commitRecords });
          store = await EventStoreDbEventStore.connect({
            connectionString: server.connectionString,
          });
          dir = tempDir();
          harness = await stores.create(join(dir.path, 'read-models.db'));
        });

        afterEach(async () => {
          await harness.dispose();
          await store.close();
          await server.stop();
          dir.dispose();
        });

        async function states(readModels: ReadModelStore): Promise<Map<string, TallyState>> {
          const page = await readModels.list<TallyState>('tally', { limit: 1_000 });
          return new Map(page.items.map((item) => [item.key, item.state]));
        }

        function engineOn(readModels: ReadModelStore): ProjectionEngine {
          return new ProjectionEngine({
            store,
            readModels,
            projections: [tallyProjection()],
            batchSize: 7,
            batchWaitMs: 5,
            leaseTtlMs: 1_000,
            log: () => undefined,
          });
        }

        it('commits checkpoints, resumes from them and matches a fold of $all', async () => {
          // Batches of several events: with commit records they share a commit position.
          for (let i = 0; i < 5; i++) {
            await store.appendToStream(`customer-b${i}`, [
              ...Array.from({ length: 3 }, (_, n) => ({
                id: randomUUID(),
                type: 'PurchaseRecorded',
                data: { customerId: `b${i}`, amount: n },
                metadata: { schemaVersion: 1 },
              })),
            ]);
          }
          await appendPurchases(store, 20, 4);
          // The head from $all: an append with a commit record does not learn its positions.
          const first = (await store.headPosition())!;
          const readModels = await harness.open();
          const running = engineOn(readModels);
          await running.start();
          await running.waitForCheckpoint('tally', first, 10_000);
          expect((await readModels.getStatus('tally'))?.checkpoint).toBe(first);
          await running.stop();

          // A second instance resumes from the checkpoint: nothing applied twice, nothing missed.
          await appendPurchases(store, 9, 4, 20);
          const more = (await store.headPosition())!;
          expect(more > first).toBe(true);
          const again = await harness.open();
          const resumed = engineOn(again);
          await resumed.start();
          await resumed.waitForCheckpoint('tally', more, 10_000);
          expect(await states(again)).toEqual(await cleanReplay(tallyProjection(), store));
          await resumed.stop();
        });
      },
    );
  }
});
