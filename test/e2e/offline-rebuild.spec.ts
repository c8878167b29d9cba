import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createProjectionEngine, seedStore } from '@aftercare/application';
import type { GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { passesFilter, projections } from '@aftercare/projections';
import {
  type ProjectionEngine,
  type ProjectionStatusView,
  SqliteReadModelStore,
  workerRebuild,
} from '@aftercare/read-models';

/**
 * A runtime that finds its read models far behind the store (a new store, never projected)
 * rebuilds them on a worker thread, then runs each live from where the rebuild ended: the rows
 * end identical to those of a runtime that caught up event by event, events appended while the
 * rebuild ran are each applied once, and the status says which phase each projection is in.
 */
describe('far-behind projections rebuilt off-thread, then live', () => {
  let dir: string;
  let path: string;
  let store: SqliteEventStore;
  const open: { close(): Promise<void> }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-offline-rebuild-'));
    path = join(dir, 'store.db');
    store = SqliteEventStore.open({ path, synchronous: 'normal', pollIntervalMs: 20 });
    await seedStore(store, { customers: 150, seed: 'offline-rebuild' });
  }, 60_000);

  afterAll(async () => {
    for (const closable of open.reverse()) await closable.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  function readModelsAt(file: string): SqliteReadModelStore {
    const readModels = SqliteReadModelStore.open({ path: file });
    open.push(readModels);
    return readModels;
  }

  function engineOver(
    readModels: SqliteReadModelStore,
    rebuildLag: bigint | undefined,
    log: string[],
  ): ProjectionEngine {
    const engine = createProjectionEngine(store, readModels, {
      leaseTtlMs: 5_000,
      rebuildLag,
      instanceId: `test:${randomUUID()}`,
      log: (line) => log.push(line),
    });
    open.push({ close: () => engine.stop() });
    return engine;
  }

  /** Every read-model row of every projection, by table, in key order. */
  function tables(readModels: SqliteReadModelStore): Record<string, unknown[]> {
    const rows: Record<string, unknown[]> = {};
    for (const { name } of projections) {
      rows[name] = readModels.db.prepare(`SELECT * FROM rm_${name} ORDER BY key`).all();
    }
    return rows;
  }

  /** The rows of the same log projected event by event (no rebuild) into read models at `file`. */
  async function projectedLive(file: string): Promise<Record<string, unknown[]>> {
    const liveModels = readModelsAt(join(dir, file));
    const live = engineOver(liveModels, undefined, []);
    await live.start();
    await caughtUp(live);
    await live.stop();
    return tables(liveModels);
  }

  /** Waits until each projection run by `engine` has applied the last event it takes. */
  async function caughtUp(engine: ProjectionEngine): Promise<void> {
    const last = new Map<string, GlobalPosition>();
    for await (const event of store.readAll()) {
      for (const p of projections) {
        if (passesFilter(p.filter, event.streamId, event.type)) last.set(p.name, event.position);
      }
    }
    for (const [name, position] of last) await engine.waitForCheckpoint(name, position, 60_000);
  }

  /** A copy of a recorded feedback, as a customer giving feedback again: it counts once more. */
  async function feedbackAgain(feedback: RecordedEvent): Promise<GlobalPosition> {
    const [recorded] = (
      await store.appendToStream(feedback.streamId, [
        {
          id: randomUUID(),
          type: feedback.type,
          data: feedback.data,
          metadata: { schemaVersion: 1 },
        },
      ])
    ).events;
    return recorded.position;
  }

  it('ends with the rows of a live catch-up, applying events appended meanwhile once', async () => {
    const feedbacks: RecordedEvent[] = [];
    for await (const event of store.readAll()) {
      if (event.type === 'FeedbackReceived') feedbacks.push(event);
    }
    expect(feedbacks.length).toBeGreaterThan(20);

    const rebuiltModels = readModelsAt(path);
    const log: string[] = [];
    const engine = engineOver(rebuiltModels, 100n, log);
    await engine.start();

    // While the worker rebuilds, the status says so for every projection, and customers keep
    // giving feedback.
    const seen: ProjectionStatusView[][] = [];
    const appended: GlobalPosition[] = [];
    let rebuilding = true;
    while (rebuilding) {
      const views = await engine.status({ countEvents: false });
      rebuilding = views.some((view) => view.phase === 'rebuilding');
      if (rebuilding) {
        seen.push(views);
        appended.push(await feedbackAgain(feedbacks[appended.length % feedbacks.length]));
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.flat().some((view) => view.status === 'rebuilding')).toBe(true);
    const swapped = /live from position (\d+)/.exec(log.join('\n'));
    expect(swapped).not.toBeNull();
    const checkpoint = BigInt(swapped![1]);
    for (const view of seen.flat()) {
      expect(view).toMatchObject({ phase: 'rebuilding', runningHere: true, caughtUp: false });
      // Readers see each table as it was (nothing applied) until its swap, never half-built.
      expect([undefined, checkpoint]).toContain(view.checkpoint);
    }
    // Some feedback came before the position the rebuild reached, some after: applied live.
    expect(appended.some((position) => position > checkpoint)).toBe(true);

    await caughtUp(engine);
    const views = await engine.status({ countEvents: false });
    for (const view of views) expect(view).toMatchObject({ phase: 'live', caughtUp: true });
    await engine.stop();

    expect(log.some((line) => line.includes('Projection rebuild on a worker thread'))).toBe(true);
    // The same log projected event by event into other read models.
    expect(tables(rebuiltModels)).toEqual(await projectedLive('live.db'));
  }, 120_000);

  it('is rebuilt by the holder of its lease only, with two instances starting together', async () => {
    const file = join(dir, 'two.db');
    const [oneModels, otherModels] = [readModelsAt(file), readModelsAt(file)];
    const [oneLog, otherLog]: string[][] = [[], []];
    const one = engineOver(oneModels, 100n, oneLog);
    const other = engineOver(otherModels, 100n, otherLog);
    await Promise.all([one.start(), other.start()]);
    await caughtUp(one);
    await Promise.all([one.stop(), other.stop()]);

    const rebuiltBy = (log: string[]): string[] =>
      log
        .filter((line) => line.startsWith('Projection rebuild on a worker thread: '))
        .flatMap((line) => line.split(': ')[1].split(' (')[0].split(', '));
    const [byOne, byOther] = [rebuiltBy(oneLog), rebuiltBy(otherLog)];
    expect(byOne.length + byOther.length).toBe(projections.length);
    expect(new Set([...byOne, ...byOther]).size).toBe(projections.length);

    expect(tables(oneModels)).toEqual(await projectedLive('two-live.db'));
  }, 120_000);

  it('starts over cleanly after a process died mid-rebuild', async () => {
    // What kill -9 leaves: a half-written rebuild table and its lease, held by a dead process.
    const file = join(dir, 'killed.db');
    const readModels = readModelsAt(file);
    for (const projection of projections) await readModels.register(projection);
    const [first] = projections;
    readModels.db.exec(`CREATE TABLE rm_${first.name}__rebuild (key TEXT PRIMARY KEY)`);
    readModels.db.exec(`INSERT INTO rm_${first.name}__rebuild VALUES ('half-written')`);
    const deadUntil = Date.now() + 3_000;
    expect(await readModels.acquireLease(`${first.name}#rebuild`, 'dead:1:x', 3_000)).toBe(true);

    const log: string[] = [];
    const engine = engineOver(readModels, 100n, log);
    await engine.start();
    await caughtUp(engine);
    const swappedAt = Date.now();
    await engine.stop();
    // Nothing was swapped while the dead process's lease held; then the rebuild started over.
    expect(swappedAt).toBeGreaterThanOrEqual(deadUntil);
    expect(log.join('\n')).toMatch(/Projection rebuild done/);
    const leftovers = readModels.db
      .prepare(`SELECT name FROM sqlite_master WHERE name LIKE '%__rebuild'`)
      .all();
    expect(leftovers).toEqual([]);

    expect(tables(readModels)).toEqual(await projectedLive('live-again.db'));
  }, 120_000);

  it('starts over with a larger heap when its worker runs out of memory', async () => {
    // Too small a bound for the worker to even load the projections: it runs out, and the
    // rebuild starts over with twice as much until it fits.
    const warnings: string[] = [];
    const rebuild = workerRebuild({
      eventStorePath: path,
      readModelPath: join(dir, 'bounded.db'),
      minLag: 0n,
      fold: { workers: 1 },
      oldGenerationMb: 4,
      warn: (line) => warnings.push(line),
    });
    const result = await rebuild.run({
      projections,
      owner: `test:${randomUUID()}`,
      leaseTtlMs: 30_000,
      onProgress: () => undefined,
      signal: new AbortController().signal,
    });
    expect(warnings[0]).toMatch(
      /ran out of its 4 MB old generation: the rebuild starts over with 8 MB/,
    );
    const rebuiltModels = readModelsAt(join(dir, 'bounded.db'));
    expect(result.projections.map((p) => p.name)).toEqual(projections.map((p) => p.name));

    expect(tables(rebuiltModels)).toEqual(await projectedLive('bounded-live.db'));
  }, 120_000);

  it('rebuilds on command (projections rebuild) on its worker, with the rows of a live catch-up', async () => {
    const readModels = readModelsAt(join(dir, 'command.db'));
    for (const projection of projections) await readModels.register(projection);
    // As the CLI's engine: never started, so nothing catches up but the rebuilds.
    const engine = engineOver(readModels, undefined, []);
    for (const { name } of projections) {
      const result = await engine.rebuild(name);
      expect(result.projections.map((p) => p.name)).toEqual([name]);
    }
    expect(tables(readModels)).toEqual(await projectedLive('command-live.db'));
  }, 120_000);
});
