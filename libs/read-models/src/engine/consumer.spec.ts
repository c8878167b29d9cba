import type { EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import type { BatchOutcome, ConsumerContext, EventConsumer } from './consumer';
import { ProjectionEngine } from './projection-engine';
import type { ReadModelStore } from '../read-model-store';
import { appendPurchases, eventually } from '../testing/runtime-fixtures';
import {
  describeEachReadModelStore,
  type ReadModelHarness,
  runtimeFixture,
} from '../testing/read-model-stores';

/**
 * A reactor with a durable checkpoint (a map standing for the store's checkpoint table) that
 * records every event it handles and on which instance.
 */
class CountingReactor implements EventConsumer {
  readonly filter = { categories: ['customer'] };

  constructor(
    readonly name: string,
    private readonly checkpoints: Map<string, GlobalPosition>,
    private readonly handled: { instance: string; event: RecordedEvent }[],
    private readonly instance: string,
    private readonly failFirst = 0,
  ) {}

  private failures = 0;

  async open(): Promise<GlobalPosition | undefined> {
    return this.checkpoints.get(this.name);
  }

  async handle(batch: readonly RecordedEvent[], context: ConsumerContext): Promise<BatchOutcome> {
    if (this.failures < this.failFirst) {
      this.failures += 1;
      throw new Error('the database went away');
    }
    for (const event of batch) this.handled.push({ instance: this.instance, event });
    const last = batch[batch.length - 1].position;
    await context.commit(last, async () => {
      this.checkpoints.set(this.name, last);
    });
    return 'committed';
  }
}

describeEachReadModelStore('Consumers of the projection runtime', (stores) => {
  const fixture = runtimeFixture(stores);
  let store: EventStore;
  let harness: ReadModelHarness;
  const cleanup = fixture.cleanup;

  beforeEach(() => {
    store = fixture.store();
    harness = fixture.harness();
  });

  async function instance(options: { retryDelayMs?: number } = {}): Promise<ProjectionEngine> {
    const readModels: ReadModelStore = await harness.open();
    const engine = new ProjectionEngine({
      store,
      readModels,
      projections: [],
      leaseTtlMs: 300,
      batchSize: 7,
      batchWaitMs: 5,
      retryDelayMs: options.retryDelayMs ?? 30,
      log: () => undefined,
    });
    cleanup.push(async () => {
      await engine.stop();
      await readModels.close();
    });
    return engine;
  }

  it('runs a reactor on one of two instances, each event once, and hands over on stop', async () => {
    const checkpoints = new Map<string, GlobalPosition>();
    const handled: { instance: string; event: RecordedEvent }[] = [];
    const [a, b] = [await instance(), await instance()];
    a.addConsumer(new CountingReactor('counter', checkpoints, handled, 'a'));
    b.addConsumer(new CountingReactor('counter', checkpoints, handled, 'b'));
    const first = await appendPurchases(store, 40, 5);
    await eventually(() => handled.length >= 40);
    expect(handled).toHaveLength(40);
    const states = [a, b].map((engine) => engine.consumerStatus('counter')[0].state).sort();
    expect(states).toEqual(['running', 'standby']);
    const holder = handled[0].instance === 'a' ? a : b;
    expect(new Set(handled.map((h) => h.instance)).size).toBe(1);

    await holder.stop();
    const second = await appendPurchases(store, 30, 5, 40);
    await eventually(() => handled.length >= 70);
    expect(handled).toHaveLength(70);
    expect(handled.map((h) => h.event.id)).toEqual([...first, ...second].map((e) => e.id));
    expect(handled.slice(40).every((h) => h.instance !== handled[0].instance)).toBe(true);
  });

  it('retries a failing reactor with the retry policy, reports it, then catches up', async () => {
    const checkpoints = new Map<string, GlobalPosition>();
    const handled: { instance: string; event: RecordedEvent }[] = [];
    const engine = await instance({ retryDelayMs: 200 });
    engine.addConsumer(new CountingReactor('flaky', checkpoints, handled, 'a', 2));
    const events = await appendPurchases(store, 10, 2);
    await eventually(() => engine.consumerStatus('flaky')[0].state === 'retrying');
    expect(engine.consumerStatus('flaky')[0]).toMatchObject({
      lastError: 'the database went away',
      retryAt: expect.any(String),
    });
    await eventually(() => engine.consumerStatus('flaky')[0].checkpoint === events[9].position);
    expect(handled.map((h) => h.event.id)).toEqual(events.map((e) => e.id));
    expect(engine.consumerStatus('flaky')[0]).toMatchObject({
      state: 'running',
      checkpoint: events[9].position,
      caughtUp: true,
    });
    expect(engine.consumerStatus('flaky')[0].lastError).toBeUndefined();
  });

  it('refuses a checkpoint from an instance that lost the lease', async () => {
    const engine = await instance();
    let context: ConsumerContext | undefined;
    const saved: GlobalPosition[] = [];
    engine.addConsumer({
      name: 'slow',
      async open() {
        return undefined;
      },
      async handle(batch, ctx) {
        context = ctx;
        const last = batch[batch.length - 1].position;
        await ctx.commit(last, async () => void saved.push(last));
        return 'committed';
      },
    });
    const events = await appendPurchases(store, 3, 1);
    // The three appends may arrive in one batch or several: wait for the last one's commit.
    await eventually(() => saved[saved.length - 1] === events[2].position);
    const committed = saved.length;
    // Another instance takes the lease (this one stopped renewing, say): the next commit fails.
    const other = await harness.open();
    await other.releaseLease('consumer:slow', engine.instanceId);
    expect(await other.acquireLease('consumer:slow', 'intruder', 60_000)).toBe(true);
    await expect(context!.commit(99n, async () => void saved.push(99n))).rejects.toThrow(
      'another instance holds the lease',
    );
    expect(saved).toHaveLength(committed);
    await other.close();
  });

  it('runs a scheduled job on one instance at its interval', async () => {
    const runs: string[] = [];
    const [a, b] = [await instance(), await instance()];
    for (const [name, engine] of [
      ['a', a],
      ['b', b],
    ] as const) {
      engine.addConsumer({ name: 'refit', intervalMs: 40, run: async () => void runs.push(name) });
    }
    await eventually(() => runs.length >= 3);
    expect(new Set(runs).size).toBe(1);
  });
});
