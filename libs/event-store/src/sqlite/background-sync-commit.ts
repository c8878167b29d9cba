import type { Database, Statement } from 'better-sqlite3';
import { close, fsync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

/** How long the WAL file stays open for syncs after the last one (closed when idle). */
const IDLE_CLOSE_MS = 1000;

const commits = new WeakMap<Database, BackgroundSyncCommit>();

/**
 * Durable writes whose flush to disk runs off the event loop, for small writes that must be
 * durable before their caller goes on (the access log's records of reads) but must not block the
 * event loop for an fsync each, as a `synchronous=FULL` commit does.
 *
 * Writes asked for together commit together in one `BEGIN IMMEDIATE` transaction with
 * `synchronous=NORMAL`: in WAL mode the commit writes its frames to the WAL file without an fsync
 * (from then on a kill -9 cannot lose them; a power failure still may). Then one fsync of the WAL
 * file, on libuv's thread pool, puts them on disk; each caller's promise settles after that fsync
 * returns, so nothing is acknowledged before it is on disk, as with `synchronous=FULL`. Writes
 * asked for while an fsync runs wait for it and then commit together, so a commit and an fsync
 * serve every write that arrived during the previous fsync. A checkpoint that moves frames into the database file
 * before that fsync syncs them itself (SQLite syncs the WAL and the database at every checkpoint
 * unless `synchronous=OFF`, which no connection here uses).
 *
 * On a connection that is not in WAL mode on a file, or whose `synchronous` is below FULL, the
 * commit is all there is, as for the connection's other writes.
 *
 * A write that throws rolls the whole group back and every caller of the group gets the error
 * (these writes are inserts that do not fail alone); a failed fsync fails every write it covers.
 * The work runs synchronously inside the transaction, so it must not await.
 */
export class BackgroundSyncCommit {
  private queue: Job[] = [];
  private scheduled = false;
  private syncing = false;
  private readonly walPath: string | undefined;
  private fd: number | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private directorySynced = false;
  private readonly transaction: (jobs: Job[]) => unknown[];
  private readonly normal: Statement | undefined;
  private readonly restore: Statement | undefined;

  private constructor(private readonly db: Database) {
    this.transaction = db.transaction((jobs: Job[]) => jobs.map((job) => job.work())).immediate;
    const wal = !db.memory && String(db.pragma('journal_mode', { simple: true })) === 'wal';
    const level = Number(db.pragma('synchronous', { simple: true }));
    if (wal && level >= 2) {
      this.walPath = `${resolve(db.name)}-wal`;
      this.normal = db.prepare('PRAGMA synchronous = NORMAL');
      this.restore = db.prepare(`PRAGMA synchronous = ${level}`);
    }
  }

  /** The background-sync commit of a connection, shared by everyone writing through it. */
  static of(db: Database): BackgroundSyncCommit {
    let commit = commits.get(db);
    if (!commit) {
      commit = new BackgroundSyncCommit(db);
      commits.set(db, commit);
    }
    return commit;
  }

  /** Runs `work` in the next group's transaction; settles once that transaction is on disk. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // While an fsync runs, writes wait for it: they commit together when it returns.
      if (!this.scheduled && !this.syncing) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Commits what is queued in one transaction, then flushes it to disk off the event loop. */
  private commit(): void {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    let values: unknown[];
    try {
      if (!this.db.open) throw new Error('The database connection is closed');
      values = this.commitWithoutSync(jobs);
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    if (!this.walPath) {
      for (let i = 0; i < jobs.length; i++) jobs[i].resolve(values[i]);
      return;
    }
    this.syncing = true;
    clearTimeout(this.idleTimer);
    this.sync((error) => {
      this.syncing = false;
      for (let i = 0; i < jobs.length; i++) {
        if (error) jobs[i].reject(error);
        else jobs[i].resolve(values[i]);
      }
      if (this.queue.length > 0) this.commit();
      else this.idleTimer = setTimeout(() => this.closeFile(), IDLE_CLOSE_MS).unref();
    });
  }

  private commitWithoutSync(jobs: Job[]): unknown[] {
    if (!this.normal) return this.transaction(jobs);
    this.normal.run();
    try {
      return this.transaction(jobs);
    } finally {
      this.restore!.run();
    }
  }

  /** One fsync of the WAL file: everything committed before it is on disk when it returns. */
  private sync(done: (error: NodeJS.ErrnoException | null) => void): void {
    let fd: number;
    try {
      // The WAL file stays the same file while this connection is open (SQLite removes it only
      // when the last connection closes), so it is opened once while syncs go on.
      fd = this.fd ??= openSync(this.walPath!, 'r');
    } catch (error) {
      done(error as NodeJS.ErrnoException);
      return;
    }
    if (this.directorySynced) fsync(fd, done);
    else this.syncDirectory((error) => (error ? done(error) : fsync(fd, done)));
  }

  /**
   * The WAL file's directory, once: SQLite syncs it after creating the file, but only in a FULL
   * commit, and the first commits on a new WAL file may all be these.
   */
  private syncDirectory(then: (error: NodeJS.ErrnoException | null) => void): void {
    let dir: number;
    try {
      dir = openSync(dirname(this.walPath!), 'r');
    } catch (error) {
      then(error as NodeJS.ErrnoException);
      return;
    }
    fsync(dir, (error) => {
      close(dir, () => undefined);
      if (!error) this.directorySynced = true;
      then(error);
    });
  }

  private closeFile(): void {
    if (this.fd === undefined || this.syncing) return;
    close(this.fd, () => undefined);
    this.fd = undefined;
  }
}
