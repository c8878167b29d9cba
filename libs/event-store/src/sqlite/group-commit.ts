import type { Database } from 'better-sqlite3';

interface Job {
  work: () => unknown;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

const groups = new WeakMap<Database, GroupCommit>();

/**
 * Group commit for one SQLite connection: writes asked for while the process is busy with other
 * work (the same turn of the event loop) run together in one `BEGIN IMMEDIATE` transaction, each in
 * a savepoint of its own, and share one commit, so one flush to disk serves them all. Each caller's
 * promise settles only after that commit: with `synchronous=FULL` nothing is acknowledged before
 * it is durable, exactly as with a transaction per write.
 *
 * A write that throws is rolled back to its savepoint and its caller gets the error; the others
 * commit. When the commit itself fails (disk full, the file locked by another process past the
 * busy timeout), every caller of the group gets that error and nothing of the group is stored.
 *
 * Writes run in the order they were asked for. The work runs synchronously inside the
 * transaction, so it must not await.
 */
export class GroupCommit {
  private queue: Job[] = [];
  private scheduled = false;
  private readonly transaction: (jobs: Job[]) => Outcome[];
  private readonly savepoint: (work: () => unknown) => unknown;

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

  /** Runs `work` in the next group's transaction; settles after that transaction commits. */
  run<T>(work: () => T): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.queue.push({ work, resolve: resolve as (value: unknown) => void, reject });
      if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Commits what is queued now (before the connection closes, for one). */
  flush(): void {
    this.scheduled = false;
    const jobs = this.queue;
    if (jobs.length === 0) return;
    this.queue = [];
    let outcomes: Outcome[];
    try {
      if (!this.db.open) throw new Error('The database connection is closed');
      outcomes = this.transaction(jobs);
    } catch (error) {
      for (const job of jobs) job.reject(error);
      return;
    }
    for (let i = 0; i < jobs.length; i++) {
      const outcome = outcomes[i];
      if (outcome.ok) jobs[i].resolve(outcome.value);
      else jobs[i].reject(outcome.error);
    }
  }
}
