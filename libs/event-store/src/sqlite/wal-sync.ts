import type { Database, Statement } from 'better-sqlite3';
import { close, fsync, openSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/** How long the WAL file stays open for syncs after the last one (closed when idle). */
const IDLE_CLOSE_MS = 1000;

const syncs = new WeakMap<Database, WalSync | null>();

/**
 * Commits whose flush to disk runs off the event loop, for a connection in WAL mode on a file with
 * `synchronous=FULL` (or EXTRA). A transaction run through `commitWithoutSync` commits with
 * `synchronous=NORMAL`: its frames are written to the WAL file without an fsync (from then on a
 * kill -9 cannot lose them; a power failure still may). Then `sync` runs one fsync of the WAL file
 * on libuv's thread pool: when it returns, everything committed before it is on disk, as with
 * `synchronous=FULL`, and only then may the writers be told. A checkpoint that moves frames into
 * the database file before that fsync syncs them itself (SQLite syncs the WAL and the database at
 * every checkpoint unless `synchronous=OFF`, which no connection here uses).
 */
export class WalSync {
  private readonly walPath: string;
  private fd: number | undefined;
  private idleTimer: NodeJS.Timeout | undefined;
  private running = 0;
  private directorySynced = false;
  private readonly normal: Statement;
  private readonly restore: Statement;

  private constructor(db: Database, level: number) {
    this.walPath = `${resolve(db.name)}-wal`;
    this.normal = db.prepare('PRAGMA synchronous = NORMAL');
    this.restore = db.prepare(`PRAGMA synchronous = ${level}`);
  }

  /**
   * The connection's background sync, shared by everyone writing through it; undefined on a
   * connection that is not in WAL mode on a file, or whose `synchronous` is below FULL: there the
   * commit is all there is, as for the connection's other writes.
   */
  static of(db: Database): WalSync | undefined {
    let sync = syncs.get(db);
    if (sync === undefined) {
      const wal = !db.memory && String(db.pragma('journal_mode', { simple: true })) === 'wal';
      const level = Number(db.pragma('synchronous', { simple: true }));
      sync = wal && level >= 2 ? new WalSync(db, level) : null;
      syncs.set(db, sync);
    }
    return sync ?? undefined;
  }

  /** Runs `transaction` with `synchronous=NORMAL`: its commit does not wait for the disk. */
  commitWithoutSync<T>(transaction: () => T): T {
    this.normal.run();
    try {
      return transaction();
    } finally {
      this.restore.run();
    }
  }

  /** One fsync of the WAL file: everything committed before it is on disk when `done` is called. */
  sync(done: (error: NodeJS.ErrnoException | null) => void): void {
    let fd: number;
    try {
      // The WAL file stays the same file while this connection is open (SQLite removes it only
      // when the last connection closes), so it is opened once while syncs go on.
      fd = this.fd ??= openSync(this.walPath, 'r');
    } catch (error) {
      done(error as NodeJS.ErrnoException);
      return;
    }
    this.running++;
    clearTimeout(this.idleTimer);
    const finished = (error: NodeJS.ErrnoException | null) => {
      if (--this.running === 0) {
        this.idleTimer = setTimeout(() => this.closeFile(), IDLE_CLOSE_MS).unref();
      }
      done(error);
    };
    if (this.directorySynced) fsync(fd, finished);
    else this.syncDirectory((error) => (error ? finished(error) : fsync(fd, finished)));
  }

  /**
   * The WAL file's directory, once: SQLite syncs it after creating the file, but only in a FULL
   * commit, and the first commits on a new WAL file may all be these.
   */
  private syncDirectory(then: (error: NodeJS.ErrnoException | null) => void): void {
    let dir: number;
    try {
      dir = openSync(dirname(this.walPath), 'r');
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
    if (this.fd === undefined || this.running > 0) return;
    close(this.fd, () => undefined);
    this.fd = undefined;
  }
}
