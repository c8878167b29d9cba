import type { Database } from 'better-sqlite3';
import { WalSync } from './wal-sync';

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

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
 * serve every write that arrived during the previous fsync (see WalSync).
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
  private readonly transaction: (jobs: Job[]) => unknown[];
  private readonly wal: WalSync | undefined;

  private constructor(private readonly db: Database) {
    this.transaction = db.transaction((jobs: Job[]) => jobs.map((job) => job.work())).immediate;
    this.wal = WalSync.of(db);
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
      values = this.wal
        ? this.wal.commitWithoutSync(() => this.transaction(jobs))
        : this.transaction(jobs);
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    if (!this.wal) {
      for (let i = 0; i < jobs.length; i++) jobs[i].resolve(values[i]);
      return;
    }
    this.syncing = true;
    this.wal.sync((error) => {
      this.syncing = false;
      for (let i = 0; i < jobs.length; i++) {
        if (error) jobs[i].reject(error);
        else jobs[i].resolve(values[i]);
      }
      if (this.queue.length > 0) this.commit();
    });
  }
}
