import Database from 'better-sqlite3';
import fs, { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BackgroundSyncCommit } from './background-sync-commit';

type SyncCallback = (error: NodeJS.ErrnoException | null) => void;

describe('BackgroundSyncCommit: durable writes flushed to disk off the event loop', () => {
  let dir: string;
  let path: string;
  let db: Database.Database;
  /** fsyncs of the WAL file asked for and not yet let through (the directory's pass at once). */
  let held: SyncCallback[];
  let fsyncSpy: jest.SpyInstance;

  const insert = (n: number) => () => db.prepare('INSERT INTO t (n) VALUES (?)').run(n);
  const stored = (): number[] => {
    const other = new Database(path, { readonly: true });
    try {
      return (other.prepare('SELECT n FROM t ORDER BY n').all() as { n: number }[]).map((r) => r.n);
    } finally {
      other.close();
    }
  };
  /** Lets the event loop turn until `check` holds (the directory's real fsync may be slow). */
  const until = async (check: () => boolean) => {
    const deadline = Date.now() + 10_000;
    while (!check() && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1));
    expect(check()).toBe(true);
  };
  const settled = (promise: Promise<unknown>) => {
    const state = { done: false, error: undefined as unknown };
    promise.then(
      () => (state.done = true),
      (error: unknown) => Object.assign(state, { done: true, error }),
    );
    return state;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-background-sync-'));
    path = join(dir, 'store.db');
    db = new Database(path);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.exec('CREATE TABLE t (n INTEGER NOT NULL)');
    held = [];
    const realFsync = fs.fsync;
    fsyncSpy = jest.spyOn(fs, 'fsync').mockImplementation(((fd: number, cb: SyncCallback) => {
      // Only the WAL file's syncs are held; the directory's goes through.
      if (fs.fstatSync(fd).isDirectory()) realFsync(fd, cb);
      else held.push(cb);
    }) as typeof fs.fsync);
  });

  afterEach(() => {
    fsyncSpy.mockRestore();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('acknowledges a write only once the fsync of the WAL file after its commit returns', async () => {
    const write = settled(BackgroundSyncCommit.of(db).run(insert(1)));
    await until(() => held.length === 1);
    // Committed (another connection sees it), not yet acknowledged.
    expect(stored()).toEqual([1]);
    expect(write.done).toBe(false);
    held[0](null);
    await until(() => write.done);
    expect(write.error).toBeUndefined();
  });

  it('writes asked for while an fsync runs commit together after it and share the next one', async () => {
    const commit = BackgroundSyncCommit.of(db);
    const first = settled(commit.run(insert(1)));
    await until(() => held.length === 1);
    const later = [2, 3, 4].map((n) => settled(commit.run(insert(n))));
    await new Promise((r) => setImmediate(r));
    expect(stored()).toEqual([1]);
    held[0](null);
    await until(() => first.done && held.length === 2);
    expect(stored()).toEqual([1, 2, 3, 4]);
    expect(later.map((w) => w.done)).toEqual([false, false, false]);
    held[1](null);
    await until(() => later.every((w) => w.done));
    expect(held).toHaveLength(2);
  });

  it('fails every write an fsync covered when the fsync fails', async () => {
    const commit = BackgroundSyncCommit.of(db);
    const writes = [1, 2].map((n) => settled(commit.run(insert(n))));
    await until(() => held.length === 1);
    const failure = Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' });
    held[0](failure);
    await until(() => writes.every((w) => w.done));
    expect(writes.map((w) => w.error)).toEqual([failure, failure]);
  });

  it('rolls the group back and fails its callers when a write throws; the next group commits', async () => {
    const commit = BackgroundSyncCommit.of(db);
    const writes = [
      settled(commit.run(insert(1))),
      settled(
        commit.run(() => {
          throw new Error('bad row');
        }),
      ),
    ];
    await until(() => writes.every((w) => w.done));
    expect(writes.map((w) => (w.error as Error | undefined)?.message)).toEqual([
      'bad row',
      'bad row',
    ]);
    expect(held).toHaveLength(0);
    const next = settled(commit.run(insert(2)));
    await until(() => held.length === 1);
    held[0](null);
    await until(() => next.done);
    expect(stored()).toEqual([2]);
  });

  it("leaves the connection's own synchronous level to its other writes", async () => {
    const write = BackgroundSyncCommit.of(db).run(insert(1));
    await until(() => held.length === 1);
    expect(db.pragma('synchronous', { simple: true })).toBe(2);
    held[0](null);
    await write;
  });

  it('on a connection without FULL durability, the commit is all there is', async () => {
    const normal = new Database(join(dir, 'normal.db'));
    normal.pragma('journal_mode = WAL');
    normal.pragma('synchronous = NORMAL');
    normal.exec('CREATE TABLE t (n INTEGER NOT NULL)');
    const memory = new Database(':memory:');
    memory.exec('CREATE TABLE t (n INTEGER NOT NULL)');
    try {
      for (const conn of [normal, memory]) {
        await BackgroundSyncCommit.of(conn).run(() =>
          conn.prepare('INSERT INTO t (n) VALUES (1)').run(),
        );
        expect(conn.prepare('SELECT count(*) AS c FROM t').get()).toEqual({ c: 1 });
      }
      expect(held).toHaveLength(0);
    } finally {
      normal.close();
      memory.close();
    }
  });
});
