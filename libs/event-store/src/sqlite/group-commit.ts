import type { Database } from 'better-sqlite3';
import { WalSync } from './wal-sync';

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const groups = new WeakMap<Database, GroupCommit>();

/**
 * Group commit for one SQLite connection: writes asked for while the process is busy with other
 * work (the same turn of the event loop, or while the previous group's flush to disk runs) run
 * together in one `BEGIN IMMEDIATE` transaction, each in a savepoint of its own, and share one
 * commit, so one flush to disk serves them all. Each caller's promise settles only after that
 * flush: with `synchronous=FULL` nothing is acknowledged before it is durable, exactly as with a
 * transaction per write.
 *
 * In WAL mode on a file a group of several writes is flushed off the event loop (WalSync): it
 * commits with `synchronous=NORMAL`, then one fsync of the WAL file on the thread pool, and only
 * then are the callers answered; the next group commits when that fsync returns. A lone write,
 * and every write elsewhere, is flushed by its commit.
 *
 * A write that throws is rolled back to its savepoint and its caller gets the error; the others
 * commit. When the commit or its flush fails (disk full, the file locked by another process past
 * the busy timeout), every caller of the group gets that error.
 *
 * Writes run in the order they were asked for. The work runs synchronously inside the
 * transaction, so it must not await.
 */
export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;
  private syncing = false;
  private readonly transaction: (jobs: Job[]) => Outcome[];
  private readonly savepoint: (work: () => unknown) => unknown;
  private readonly wal: WalSync | undefined;
  private readonly settledListeners: (() => void)[] = [];

  private constructor(private readonly db: Database) {
    this.savepoint = db.transaction((work: () => unknown) => work());
    this.transaction = db.transaction((jobs: Job[]) => {
      // A lone write needs no savepoint: if it throws, the whole transaction rolls back.
      if (jobs.length === 1) return [{ ok: true as const, value: jobs[0].work() }];
      return jobs.map((job): Outcome => {
        try {
          return { ok: true, value: this.savepoint(job.work) };
        } catch (error) {
          return { ok: false, error };
        }
      });
    }).immediate;
    this.wal = WalSync.of(db);
  }

  /** The group commit of a connection, shared by everyone writing through it. */
  static of(db: Database): GroupCommit {
    let group = groups.get(db);
    if (!group) {
      group = new GroupCommit(db);
      groups.set(db, group);
    }
    return group;
  }

  /**
   * Calls `listener` each time a group's outcome is final (on disk, or failed), before its callers
   * are answered: until then, what the group wrote is visible on the connection but not durable.
   */
  onSettled(listener: () => void): void {
    this.settledListeners.push(listener);
  }

  /** Runs `work` in the next group's transaction; settles after that transaction is on disk. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      // While a flush to disk runs, writes wait for it: they commit together when it returns.
      if (!this.scheduled && !this.syncing) {
        this.scheduled = true;
        setImmediate(() => this.commit());
      }
    });
  }

  /** Commits what is queued now, flushing to disk before it returns (before the connection closes). */
  flush(): void {
    this.scheduled = false;
    const jobs = this.take();
    if (!jobs) return;
    const outcomes = this.commitJobs(jobs, () => this.transaction(jobs));
    if (outcomes) this.answer(jobs, outcomes);
  }

  /** Commits what is queued and flushes it to disk off the event loop, then answers. */
  private commit(): void {
    this.scheduled = false;
    const jobs = this.take();
    if (!jobs) return;
    // A lone write commits with its own flush: handing one fsync to the thread pool and back
    // costs it more latency than the event loop gains; a group of writes shares one off it.
    const wal = jobs.length > 1 ? this.wal : undefined;
    const outcomes = this.commitJobs(jobs, () =>
      wal ? wal.commitWithoutSync(() => this.transaction(jobs)) : this.transaction(jobs),
    );
    if (!outcomes) return;
    if (!wal) {
      this.answer(jobs, outcomes);
      return;
    }
    this.syncing = true;
    wal.sync((error) => {
      this.syncing = false;
      if (error) this.fail(jobs, error);
      else this.answer(jobs, outcomes);
      if (this.queue.length > 0) this.commit();
    });
  }

  private take(): Job[] | undefined {
    const jobs = this.queue;
    if (jobs.length === 0) return undefined;
    this.queue = [];
    return jobs;
  }

  /** The group's outcomes, or undefined when its transaction failed (every caller told). */
  private commitJobs(jobs: Job[], commit: () => Outcome[]): Outcome[] | undefined {
    try {
      if (!this.db.open) throw new Error('The database connection is closed');
      return commit();
    } catch (error) {
      this.fail(jobs, error);
      return undefined;
    }
  }

  private answer(jobs: Job[], outcomes: Outcome[]): void {
    this.settled();
    for (let i = 0; i < jobs.length; i++) {
      const outcome = outcomes[i];
      if (outcome.ok) jobs[i].resolve(outcome.value);
      else jobs[i].reject(outcome.error);
    }
  }

  private fail(jobs: Job[], error: unknown): void {
    this.settled();
    for (const job of jobs) job.reject(error);
  }

  private settled(): void {
    for (const listener of this.settledListeners) listener();
  }
}
