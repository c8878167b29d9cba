import Database from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WrongExpectedVersionError } from '../errors';
import { GroupCommit } from './group-commit';
import { SqliteEventStore } from './sqlite.event-store';

const event = (n: number) => ({
  id: randomUUID(),
  type: 'Counted',
  data: { n },
  metadata: { schemaVersion: 1 },
});

describe('SqliteEventStore: appends asked for together commit together', () => {
  let dir: string;
  let path: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-group-commit-'));
    path = join(dir, 'events.db');
    store = SqliteEventStore.open({ path });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a conflicting append fails alone; its neighbours are stored, in the order asked', async () => {
    await store.appendToStream('order-b', [event(0)]);
    const outcomes = await Promise.allSettled([
      store.appendToStream('order-a', [event(1)], { expectedRevision: 'no_stream' }),
      store.appendToStream('order-b', [event(2), event(3)], { expectedRevision: 'no_stream' }),
      store.appendToStream('order-c', [event(4)], { expectedRevision: 'no_stream' }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((outcomes[1] as PromiseRejectedResult).reason).toBeInstanceOf(WrongExpectedVersionError);
    // Read through a connection of its own: what was acknowledged is committed.
    const other = SqliteEventStore.open({ path });
    try {
      const all = [];
      for await (const e of other.readAll()) all.push([e.streamId, (e.data as { n: number }).n]);
      expect(all).toEqual([
        ['order-b', 0],
        ['order-a', 1],
        ['order-c', 4],
      ]);
    } finally {
      await other.close();
    }
  });

  it('appends to one stream asked for together see each other (expected revisions hold)', async () => {
    const [first, second, stale] = await Promise.allSettled([
      store.appendToStream('order-x', [event(1)], { expectedRevision: 'no_stream' }),
      store.appendToStream('order-x', [event(2)], { expectedRevision: 0n }),
      store.appendToStream('order-x', [event(3)], { expectedRevision: 0n }),
    ]);
    expect(first.status).toBe('fulfilled');
    expect(second.status).toBe('fulfilled');
    expect(stale.status).toBe('rejected');
    const revisions = [];
    for await (const e of store.readStream('order-x')) revisions.push(e.revision);
    expect(revisions).toEqual([0n, 1n]);
  });

  it('re-appending the same ids in one group is idempotent', async () => {
    const batch = [event(1)];
    const [a, b] = await Promise.all([
      store.appendToStream('order-y', batch),
      store.appendToStream('order-y', batch),
    ]);
    expect(a.alreadyStored).toBe(false);
    expect(b.alreadyStored).toBe(true);
    expect(b.position).toBe(a.position);
  });

  it('appends asked for before close are committed, not lost', async () => {
    const pending = store.appendToStream('order-z', [event(1)]);
    await store.close();
    await expect(pending).resolves.toMatchObject({ alreadyStored: false });
    store = SqliteEventStore.open({ path });
    const stored = [];
    for await (const e of store.readStream('order-z')) stored.push(e.id);
    expect(stored).toHaveLength(1);
  });
});

describe('GroupCommit', () => {
  it('when the commit fails, every write of the group fails and none is stored', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-group-commit-'));
    const path = join(dir, 'busy.db');
    const db = new Database(path, { timeout: 50 });
    db.pragma('journal_mode = WAL');
    db.exec('CREATE TABLE t (n INTEGER)');
    // Another connection holds the write lock, so BEGIN IMMEDIATE cannot start.
    const other = new Database(path);
    other.exec('BEGIN IMMEDIATE');
    try {
      const group = GroupCommit.of(db);
      const writes = [1, 2].map((n) =>
        group.run(() => db.prepare('INSERT INTO t VALUES (?)').run(n)),
      );
      for (const write of writes)
        await expect(write).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
      other.exec('ROLLBACK');
      expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 0 });
    } finally {
      db.close();
      other.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('SqliteEventStore: an append is acknowledged once its group is on disk', () => {
  type SyncCallback = (error: NodeJS.ErrnoException | null) => void;
  let dir: string;
  let store: SqliteEventStore;
  /** fsyncs of the WAL file asked for and not yet let through (the directory's pass at once). */
  let held: SyncCallback[];
  let fsyncSpy: jest.SpyInstance;

  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    expect(check()).toBe(true);
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-group-sync-'));
    held = [];
    const realFsync = fs.fsync;
    fsyncSpy = jest.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: SyncCallback) => {
      if (fs.fstatSync(fd).isDirectory()) realFsync(fd, cb);
      else held.push(cb);
    }) as typeof fs.fsync);
    store = SqliteEventStore.open({ path: join(dir, 'events.db'), pollIntervalMs: 5 });
  });

  afterEach(async () => {
    for (const cb of held.splice(0)) cb(null);
    fsyncSpy.mockRestore();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers a group after its fsync; appends asked for meanwhile share the next group; subscribers see only what is on disk', async () => {
    const delivered: number[] = [];
    const subscription = store.subscribeToAll({ filter: { categories: ['order'] } });
    void (async () => {
      for await (const message of subscription) {
        if (message.kind === 'event') delivered.push((message.event.data as { n: number }).n);
      }
    })();
    let answered = 0;
    const append = (n: number) =>
      store.appendToStream(`order-${n}`, [event(n)]).then(() => answered++);
    const first = [1, 2].map(append);
    await until(() => held.length === 1);
    const second = [3, 4].map(append);
    // Committed and visible to reads, but neither acknowledged nor delivered before the fsync.
    await new Promise((r) => setTimeout(r, 30));
    expect(answered).toBe(0);
    expect(delivered).toEqual([]);
    const read = [];
    for await (const e of store.readStream('order-1')) read.push(e.id);
    expect(read).toHaveLength(1);

    held.shift()!(null);
    await Promise.all(first);
    await until(() => held.length === 1);
    expect(answered).toBe(2);
    await new Promise((r) => setTimeout(r, 30));
    expect(delivered).toEqual([1, 2]);
    held.shift()!(null);
    await Promise.all(second);
    await until(() => delivered.length === 4);
    expect(delivered).toEqual([1, 2, 3, 4]);
    await subscription.close();
  });

  it('flushes a lone append with its own commit, without the thread pool', async () => {
    await store.appendToStream('order-1', [event(1)]);
    expect(held).toEqual([]);
    const read = [];
    for await (const e of store.readStream('order-1')) read.push(e.id);
    expect(read).toHaveLength(1);
  });

  it('a failed fsync fails every append of its group', async () => {
    const appends = [1, 2].map((n) => store.appendToStream(`order-${n}`, [event(n)]));
    await until(() => held.length === 1);
    held.shift()!(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }));
    for (const append of appends) await expect(append).rejects.toThrow('EIO');
  });
});
