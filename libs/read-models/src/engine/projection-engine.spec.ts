import { join } from 'node:path';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import type { Projection } from '@aftercare/projections';
import { ProjectionEngine, type ProjectionEngineOptions } from './projection-engine';
import type { ReadModelStore } from '../read-model-store';
import type { PostgresReadModelStore } from '../postgres/postgres.read-model-store';
import {
  appendPurchases,
  cleanReplay,
  customerEvent,
  eventually,
  poisonedTally,
  tallyProjection,
  type TallyState,
  tempDir,
} from '../testing/runtime-fixtures';
import { describeEachReadModelStore, type ReadModelHarness } from '../testing/read-model-stores';

// A batch also ends after a slice of busy time (10 ms): on a loaded machine twenty events can take
// that long to gather, which would end a batch these specs expect to end only by size, quiet or a
// waiting reader.
jest.mock('./yield', () => ({ ...jest.requireActual('./yield'), SLICE_MS: 60_000 }));

describeEachReadModelStore('ProjectionEngine', (stores) => {
  let dir: ReturnType<typeof tempDir>;
  let dbPath: string;
  let store: EventStore;
  let harness: ReadModelHarness;
  const cleanup: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    dir = tempDir();
    dbPath = join(dir.path, 'aftercare.db');
    store = SqliteEventStore.open({ path: dbPath, synchronous: 'normal', pollIntervalMs: 20 });
    harness = await stores.create(dbPath);
  });

  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
    await harness.dispose();
    await store.close();
    dir.dispose();
  });

  async function engine(
    projections: Projection<TallyState>[],
    options: Partial<ProjectionEngineOptions> = {},
  ): Promise<{ engine: ProjectionEngine; readModels: ReadModelStore; logs: string[] }> {
    const readModels = await harness.open();
    const logs: string[] = [];
    const created = new ProjectionEngine({
      store,
      readModels,
      projections,
      leaseTtlMs: 300,
      batchWaitMs: 5,
      retryDelayMs: 30,
      log: (line) => logs.push(line),
      ...options,
    });
    cleanup.push(async () => {
      await created.stop();
      await readModels.close();
    });
    return { engine: created, readModels, logs };
  }

  async function storedStates(readModels: ReadModelStore, name = 'tally') {
    const page = await readModels.list<TallyState>(name, { limit: 10_000 });
    return new Map(page.items.map((item) => [item.key, item.state]));
  }

  /** The tally fold of `events` up to `checkpoint` (nothing when there is none). */
  function foldUpTo(events: RecordedEvent[], checkpoint: bigint | undefined) {
    const expected = new Map<string, TallyState>();
    const projection = tallyProjection();
    for (const event of events) {
      if (checkpoint === undefined || event.position > checkpoint) break;
      const key = projection.keyOf(event)!;
      expected.set(
        key,
        projection.evolve(expected.get(key) ?? projection.initialState(key), event),
      );
    }
    return expected;
  }

  it('writes states and checkpoint together, batch by batch, matching a clean replay', async () => {
    const { engine: running, readModels } = await engine([tallyProjection()], { batchSize: 7 });
    const commits: { checkpoint: bigint | undefined; states: Map<string, TallyState> }[] = [];
    const commit = readModels.commitBatch.bind(readModels);
    readModels.commitBatch = async (projection, batch) => {
      const outcome = await commit(projection, batch);
      const status = await readModels.getStatus('tally');
      commits.push({ checkpoint: status?.checkpoint, states: await storedStates(readModels) });
      return outcome;
    };
    const events = await appendPurchases(store, 50, 4);
    await running.start();
    await running.waitForCheckpoint('tally', events[events.length - 1].position);

    expect(commits.length).toBeGreaterThanOrEqual(50 / 7);
    for (const { checkpoint, states } of commits) {
      // After every commit the table holds exactly the fold of the events up to the checkpoint.
      expect(states).toEqual(foldUpTo(events, checkpoint));
    }
    expect(await storedStates(readModels)).toEqual(await cleanReplay(tallyProjection(), store));
  });

  it('gathers live events into one batch while no one waits; a reader asking for a position gets it without that wait', async () => {
    const { engine: running, readModels } = await engine([tallyProjection()], {
      // Longer than the test may take: only a waiting reader can end the batches it gathers.
      projectionBatchWaitMs: 120_000,
    });
    let commits = 0;
    const commit = readModels.commitBatch.bind(readModels);
    readModels.commitBatch = async (projection, batch) => {
      commits += 1;
      return commit(projection, batch);
    };
    await running.start();
    // Caught up and live first: a catch-up hands over its batch when it reaches the head.
    const [first] = await appendPurchases(store, 1, 4);
    await running.waitForCheckpoint('tally', first.position);
    commits = 0;
    const events = await appendPurchases(store, 20, 4, 1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(commits).toBe(0);
    await running.waitForCheckpoint('tally', events[events.length - 1].position);
    expect(commits).toBe(1);
    expect(await storedStates(readModels)).toEqual(await cleanReplay(tallyProjection(), store));
  });

  it('reports every projection with its checkpoint and lag, their statuses read together', async () => {
    const names = ['tally', 'tally_b', 'tally_c', 'tally_d'];
    const { engine: running, readModels } = await engine(
      names.map((name) => tallyProjection({ name })),
    );
    const events = await appendPurchases(store, 6, 2);
    await running.start();
    for (const name of names) {
      await running.waitForCheckpoint(name, events[events.length - 1].position);
    }
    await running.stop();
    await appendPurchases(store, 3, 2, 6);
    const reads = jest.spyOn(readModels, 'getStatus');
    const sent =
      harness.kind === 'postgres'
        ? jest.spyOn((readModels as PostgresReadModelStore).pool, 'query')
        : undefined;

    const views = await running.status({ countEvents: true });

    expect(views.map((v) => [v.name, v.checkpoint, v.lag])).toEqual(
      names.map((name) => [name, events[events.length - 1].position, 3]),
    );
    expect(reads).toHaveBeenCalledTimes(names.length);
    // On PostgreSQL the statuses asked for together share one statement (a union of point reads).
    if (sent) {
      const statusStatements = sent.mock.calls.filter(([query]) =>
        String(typeof query === 'string' ? query : (query as { text?: string }).text).includes(
          'rm_projection_status',
        ),
      );
      expect(statusStatements).toHaveLength(1);
    }
  });

  it('answers a reader waiting for a position past which come only events it does not follow', async () => {
    const { engine: running } = await engine([tallyProjection()]);
    await running.start();
    const [purchase] = await appendPurchases(store, 1, 1);
    await running.waitForCheckpoint('tally', purchase.position);
    // Signals are not the tally's category: its subscription scans past them and delivers nothing.
    const { position: lastSignal } = await store.appendToStream('signal-c0', [
      customerEvent('c0', 'ChurnRiskRaised'),
      customerEvent('c0', 'ChurnRiskRaised'),
    ]);
    const answered = running.waitForCheckpoint('tally', lastSignal, 5_000).then(() => 'answered');
    await expect(answered).resolves.toBe('answered');
    // The next event it follows is handled as before.
    const [later] = await appendPurchases(store, 1, 1, 1);
    await running.waitForCheckpoint('tally', later.position, 5_000);
  });

  it('rolls back a batch that fails mid-write and applies it exactly once when retried', async () => {
    const events = await appendPurchases(store, 30, 5);
    const warnings: string[] = [];
    const {
      engine: running,
      readModels,
      logs,
    } = await engine([tallyProjection()], {
      batchSize: 1000,
      warn: (line) => warnings.push(line),
    });
    await readModels.register(tallyProjection());
    // The database fails half-way through writing the batch: the upserts before it must vanish.
    await harness.armCrash('rm_tally', 'c3', 'simulated crash mid-write');
    await running.start();
    // Reported as a warning (an operator must see it), not among the progress lines.
    await eventually(() => warnings.some((line) => line.includes('simulated crash mid-write')));
    expect(logs.some((line) => line.includes('simulated crash mid-write'))).toBe(false);

    // Batches before the failing one may have committed (a batch also ends with its time slice,
    // so on a loaded machine the 30 events can come in several); the failing batch left nothing:
    // the table is exactly the fold up to the checkpoint, which stops before c3's first event.
    const checkpoint = (await readModels.getStatus('tally'))?.checkpoint;
    expect(checkpoint === undefined || checkpoint < events[3].position).toBe(true);
    expect(await storedStates(readModels)).toEqual(foldUpTo(events, checkpoint));

    await harness.disarmCrash();
    await running.waitForCheckpoint('tally', 30n);
    expect(await storedStates(readModels)).toEqual(await cleanReplay(tallyProjection(), store));
  });

  it('recovers after an instance dies between batches: no event lost or applied twice', async () => {
    const first = await engine([tallyProjection()], { batchSize: 5 });
    await appendPurchases(store, 40, 3);
    await first.engine.start();
    await first.engine.waitForCheckpoint('tally', 20n);
    // Kill: the connection goes away without a graceful stop (the lease is left behind).
    await harness.kill(first.readModels);
    await appendPurchases(store, 40, 3, 40);

    const second = await engine([tallyProjection()], { batchSize: 5 });
    await second.engine.start();
    await eventually(async () => (await second.readModels.getStatus('tally'))?.checkpoint === 80n);
    expect(await storedStates(second.readModels)).toEqual(
      await cleanReplay(tallyProjection(), store),
    );
  });

  it('stops only the projection whose handler throws, records where, and resumes after a fix', async () => {
    const counter: Projection<TallyState> = { ...tallyProjection(), name: 'counter' };
    const { engine: running, readModels } = await engine([poisonedTally(), counter]);
    await appendPurchases(store, 10, 2);
    const poison = await store.appendToStream('customer-c1', [
      customerEvent('c1', 'PurchaseRecorded', { amount: 5, poison: true }),
    ]);
    await appendPurchases(store, 10, 2, 10);
    await running.start();
    await running.waitForCheckpoint('counter', 21n);
    // Each projection runs on its own: the counter being through says nothing of the tally.
    await eventually(
      async () => (await running.status()).find((s) => s.name === 'tally')?.status === 'failed',
    );

    const statuses = await running.status();
    const tally = statuses.find((s) => s.name === 'tally')!;
    expect(tally.status).toBe('failed');
    expect(tally.checkpoint).toBe(10n);
    expect(tally.failure).toEqual({
      error: 'cannot handle this event',
      position: poison.position,
      eventId: poison.events[0].id,
    });
    expect(tally.lag).toBe(11);
    expect(statuses.find((s) => s.name === 'counter')).toMatchObject({ status: 'running', lag: 0 });

    // Later events still reach the healthy projection.
    await appendPurchases(store, 3, 2, 20);
    await running.waitForCheckpoint('counter', 24n);
    expect((await readModels.getStatus('tally'))?.checkpoint).toBe(10n);

    const fixed = tallyProjection();
    await running.resume('tally', fixed);
    await running.waitForCheckpoint('tally', 24n);
    expect((await readModels.getStatus('tally'))?.status).toBe('running');
    expect((await readModels.getStatus('tally'))?.failure).toBeUndefined();
    expect(await storedStates(readModels)).toEqual(await cleanReplay(fixed, store));
  });

  it('runs each projection in one instance at a time; the other takes over when the lease expires', async () => {
    const a = await engine([tallyProjection()], { instanceId: 'a', batchSize: 3 });
    const b = await engine([tallyProjection()], { instanceId: 'b', batchSize: 3 });
    await Promise.all([a.engine.start(), b.engine.start()]);
    const appending = appendPurchases(store, 60, 4);
    await appending;
    await eventually(async () => (await a.readModels.getStatus('tally'))?.checkpoint === 60n);
    const owner = (await a.readModels.getStatus('tally'))?.leaseOwner;
    expect(['a', 'b']).toContain(owner);

    const [holder, standby] = owner === 'a' ? [a, b] : [b, a];
    await holder.engine.stop();
    await appendPurchases(store, 30, 4, 60);
    await eventually(async () => (await standby.readModels.getStatus('tally'))?.checkpoint === 90n);
    expect((await standby.readModels.getStatus('tally'))?.leaseOwner).toBe(
      standby.engine.instanceId,
    );
    expect(await storedStates(standby.readModels)).toEqual(
      await cleanReplay(tallyProjection(), store),
    );
  });

  it('two instances racing on one file never apply an event twice', async () => {
    const a = await engine([tallyProjection()], { instanceId: 'a', batchSize: 2, leaseTtlMs: 100 });
    const b = await engine([tallyProjection()], { instanceId: 'b', batchSize: 2, leaseTtlMs: 100 });
    await Promise.all([a.engine.start(), b.engine.start()]);
    for (let round = 0; round < 4; round++) {
      await appendPurchases(store, 15, 3, round * 15);
      // Hand the lease back and forth: whoever holds it stops, the other must continue exactly.
      const owner = (await a.readModels.getStatus('tally'))?.leaseOwner;
      if (owner === 'a') await a.engine.stop();
      if (owner === 'b') await b.engine.stop();
      await (owner === 'a' ? a : b).engine.start();
    }
    await eventually(async () => (await a.readModels.getStatus('tally'))?.checkpoint === 60n);
    const states = await storedStates(a.readModels);
    expect(states).toEqual(await cleanReplay(tallyProjection(), store));
    expect([...states.values()].reduce((n, s) => n + s.events, 0)).toBe(60);
  });

  it('reports checkpoint, head and lag per projection', async () => {
    const { engine: idle } = await engine([tallyProjection()]);
    await idle.readModels.register(tallyProjection());
    await appendPurchases(store, 25, 5);
    await store.appendToStream('warranty-w1', [customerEvent('c1', 'WarrantyClaimFiled')]);

    const [before] = await idle.status();
    expect(before).toMatchObject({
      name: 'tally',
      checkpoint: undefined,
      headPosition: 26n,
      positionLag: 26n,
      lag: 25,
      lagIsLowerBound: false,
    });

    await idle.start();
    await idle.waitForCheckpoint('tally', 25n);
    const [after] = await idle.status();
    expect(after).toMatchObject({ checkpoint: 25n, headPosition: 26n, positionLag: 1n, lag: 0 });
    expect(after.runningHere).toBe(true);
  });

  it('rebuilds at start a projection whose stored version differs from the code', async () => {
    const v1 = await engine([tallyProjection()]);
    await appendPurchases(store, 20, 4);
    await v1.engine.start();
    await v1.engine.waitForCheckpoint('tally', 20n);
    await v1.engine.stop();

    const doubled = tallyProjection({
      version: 2,
      evolve: (state, event) => ({
        ...tallyProjection().evolve(state, event),
        total: state.total + 2,
      }),
    });
    const v2 = await engine([doubled]);
    await v2.engine.start();
    await v2.engine.waitForCheckpoint('tally', 20n);
    expect((await v2.readModels.getStatus('tally'))?.version).toBe(2);
    expect(await storedStates(v2.readModels)).toEqual(await cleanReplay(doubled, store));
  });

  it('answers a status refresh asked for while one runs with what was read after the ask', async () => {
    await appendPurchases(store, 5, 5);
    const { engine: quiet } = await engine([tallyProjection()]);
    const read = quiet.status.bind(quiet);
    let firstRead!: () => void;
    const firstReadDone = new Promise<void>((resolve) => (firstRead = resolve));
    let releaseFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => (releaseFirst = resolve));
    let reads = 0;
    jest.spyOn(quiet, 'status').mockImplementation(async (options) => {
      const views = await read(options);
      if (++reads === 1) {
        firstRead();
        await firstHeld;
      }
      return views;
    });
    const first = quiet.refreshStatus();
    await firstReadDone;
    const before = (await store.headPosition())!;
    await appendPurchases(store, 3, 3, 5);
    const after = (await store.headPosition())!;
    const second = quiet.refreshStatus();
    const third = quiet.refreshStatus();
    releaseFirst();
    expect((await first).headPosition).toBe(before);
    // Read once the first had ended, and shared by the calls made meanwhile.
    expect((await second).headPosition).toBe(after);
    expect(third).toBe(second);
    expect(reads).toBe(2);
    expect((await quiet.cachedStatus()).headPosition).toBe(after);
  });

  it('lets timers run while it catches up a backlog, and logs its progress', async () => {
    // A backlog in one append: the runners then read and write it synchronously (embedded store).
    const backlog = Array.from({ length: 3000 }, (_, i) =>
      customerEvent(`c${i % 50}`, 'PurchaseRecorded', { amount: i }),
    );
    const { events } = await store.appendToStream('customer-backlog', backlog);
    const head = events[events.length - 1].position;
    const { engine: running, logs } = await engine([tallyProjection()], {
      progressIntervalMs: 10,
    });
    let caughtUp = false;
    const timerFired = new Promise<boolean>((resolve) => setTimeout(() => resolve(!caughtUp), 0));
    await running.start();
    await running.waitForCheckpoint('tally', head, 20_000);
    caughtUp = true;
    // Before yielding between batches, the timer fired only once the whole backlog was applied.
    expect(await timerFired).toBe(true);
    await running.refreshStatus();
    expect(logs.some((line) => /tally: (catching up|caught up) at position/.test(line))).toBe(true);
    const cached = await running.cachedStatus();
    expect(cached.projections[0]).toMatchObject({ name: 'tally', checkpoint: head, lag: 0 });
  });
});
