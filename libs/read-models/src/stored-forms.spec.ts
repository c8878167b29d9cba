import { randomUUID } from 'node:crypto';
import { type AftercareEvent, customerStreamId, warrantyClaimStreamId } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import {
  type AnyProjection,
  churnIncidentsProjection,
  complaintsProjection,
  customerProfileProjection,
  satisfactionProjection,
  warrantyClaimsProjection,
  warrantyDecisionsProjection,
} from '@aftercare/projections';
// The folds' own test journey (a spec helper, not part of the library's exports).
import { eventfulJourney } from '../../projections/src/testing/purity';
import { ProjectionEngine } from './engine/projection-engine';
import type { ReadModelStore } from './read-model-store';
import { describeEachReadModelStore, runtimeFixture } from './testing/read-model-stores';
import { cleanReplay } from './testing/runtime-fixtures';

const compact = [
  customerProfileProjection,
  satisfactionProjection,
  churnIncidentsProjection,
  complaintsProjection,
  warrantyDecisionsProjection,
  warrantyClaimsProjection,
];

/** Three customers' eventful journeys, instants as toISOString writes them (stored as numbers). */
async function appendJourneys(store: EventStore): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const json = JSON.stringify(eventfulJourney())
      .replaceAll('"cust-1"', `"cust-${i}"`)
      .replace(/"(w1|c1|c2)"/g, `"$1-${i}"`)
      .replace(/(T\d\d:\d\d:\d\d)Z"/g, '$1.125Z"');
    for (const event of JSON.parse(json) as AftercareEvent[]) {
      const data = event.data as { customerId: string; claimId?: string };
      const stream = event.type.startsWith('Warranty')
        ? warrantyClaimStreamId(data.claimId!)
        : customerStreamId(data.customerId);
      await store.appendToStream(stream, [
        { id: randomUUID(), type: event.type, data: event.data, metadata: { schemaVersion: 1 } },
      ]);
    }
  }
}

/** Every way a reader gets states, from `readModels`, as JSON by key. */
async function read(readModels: ReadModelStore, name: string): Promise<Record<string, string>> {
  const listed = await readModels.list(name, { limit: 100 });
  const keys = listed.items.map((item) => item.key);
  const loaded = await readModels.loadStates(name, keys);
  const byKey: Record<string, string> = {};
  for (const item of listed.items) {
    const got = await readModels.get(name, item.key);
    const json = JSON.stringify(item.state);
    // get, list and loadStates agree.
    expect(JSON.stringify(got?.state)).toBe(json);
    expect(JSON.stringify(loaded.get(item.key))).toBe(json);
    byKey[item.key] = json;
  }
  return byKey;
}

/**
 * Whether the stored states of `p` are arrays (true), objects (false) or both, as a store that
 * knows no stored form reads them.
 */
async function storedAsArrays(readModels: ReadModelStore, p: AnyProjection): Promise<boolean[]> {
  await readModels.register({ ...p, stored: undefined });
  const { items } = await readModels.list(p.name, { limit: 100 });
  expect(items.length).toBeGreaterThanOrEqual(3);
  return [...new Set(items.map((item) => Array.isArray(item.state)))];
}

async function replayed(p: AnyProjection, store: EventStore): Promise<Record<string, string>> {
  const byKey: Record<string, string> = {};
  for (const [key, state] of await cleanReplay(p, store)) byKey[key] = JSON.stringify(state);
  return byKey;
}

describeEachReadModelStore('states in a projection’s stored form', (stores) => {
  const fixture = runtimeFixture(stores);

  async function runToHead(projections: AnyProjection[]): Promise<void> {
    const readModels = await fixture.harness().open();
    const engine = new ProjectionEngine({
      store: fixture.store(),
      readModels,
      projections,
      leaseTtlMs: 5_000,
      batchWaitMs: 5,
      log: () => undefined,
    });
    await engine.start();
    const head = (await fixture.store().headPosition())!;
    try {
      for (const p of projections) await engine.waitForCheckpoint(p.name, head, 20_000);
    } finally {
      await engine.stop();
      await readModels.close();
    }
  }

  /** Opens a store (closed after the test) as a process that registered nothing opens it. */
  async function another(): Promise<ReadModelStore> {
    const opened = await fixture.harness().open();
    fixture.cleanup.push(() => opened.close());
    return opened;
  }

  /** Every reader of `reader` gives each projection's states as a fold of the store gives them. */
  async function expectReplayedStates(reader: ReadModelStore): Promise<void> {
    for (const p of compact) {
      expect(await read(reader, p.name)).toEqual(await replayed(p, fixture.store()));
    }
  }

  it('read back as the folded states, in a process that never registered the projection', async () => {
    await appendJourneys(fixture.store());
    await runToHead(compact);
    // A reader beside the projector (the API in the distributed deployment) registers nothing.
    await expectReplayedStates(await another());
    const raw = await another();
    for (const p of compact) expect(await storedAsArrays(raw, p)).toEqual([true]);
  });

  it('replace the version before them at start; until then its states read as themselves', async () => {
    await appendJourneys(fixture.store());
    await runToHead(compact.map((p) => ({ ...p, version: p.version - 1, stored: undefined })));
    const reader = await another();
    await expectReplayedStates(reader);
    const raw = await another();
    for (const p of compact) expect(await storedAsArrays(raw, p)).toEqual([false]);

    await runToHead(compact);
    await expectReplayedStates(reader);
    for (const p of compact) {
      expect((await reader.getStatus(p.name))?.version).toBe(p.version);
      expect(await storedAsArrays(raw, p)).toEqual([true]);
    }
  });
});
