import type { GlobalPosition } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import {
  assertIdentifier,
  columnNames,
  indexedColumns,
  readModelTable,
  rebuildLeaseName,
  rebuildTable,
  type StateWrite,
} from '../read-model-store';
import { encodeStates } from '../state-encoding';
import { nowIso, q, type SqliteSession } from './sqlite-session';

/** Rows per INSERT statement while writing a rebuild table. */
const REBUILD_ROWS_PER_INSERT = 100;
/**
 * Page cache of a rebuilding connection, in KiB (negative: SQLite's unit for a size in KiB). A
 * rebuild table is written in rowid order, its key index built once at the swap: a cache of a few
 * MB is enough. On the 72,000-customer store a one-thread rebuild took 11.7-12.8 s with 8 MB and
 * 11.9-12.8 s with 32 MB, and peaked at 234-255 MB of RSS against 252-283 MB (three runs each).
 */
const REBUILD_CACHE_SIZE = -8_192;

/**
 * Rebuild and swap: a fresh `rm_<name>__rebuild` table, written in bulk while the live table
 * serves, indexed, then renamed into place with the status update in one IMMEDIATE transaction.
 */
export class SqliteRebuilds {
  /** Projections with a rebuild table open, and the connection settings to restore after them. */
  private readonly rebuilding = new Set<string>();
  private savedPragmas: { cacheSize: number; tempStore: number } | undefined;

  constructor(
    private readonly session: SqliteSession,
    /** See `SqliteReadModelStoreOptions.besideServer`. */
    private readonly besideServer = false,
  ) {}

  begin(projection: AnyProjection): void {
    assertIdentifier(projection.name, 'Projection name');
    const table = rebuildTable(projection.name);
    const { db } = this.session;
    db.transaction(() => {
      db.exec(`DROP TABLE IF EXISTS ${q(table)}`);
      // Indexes come at the swap, the key's too: built once over the full table, sorted, they
      // cost far less than kept up row by row (the keys come in no order).
      this.session.createTable(table, columnNames(projection), 'later');
    }).immediate();
    this.startRebuilding(projection.name);
  }

  /** Writes states in one transaction, many rows per INSERT. */
  write(projection: AnyProjection, states: readonly StateWrite[]): void {
    const rows = encodeStates(projection, states);
    const table = rebuildTable(projection.name);
    const width = 3 + columnNames(projection).length;
    const perStatement = Math.max(1, Math.min(REBUILD_ROWS_PER_INSERT, Math.floor(999 / width)));
    this.session.db
      .transaction(() => {
        let i = 0;
        if (rows.length >= perStatement) {
          const many = this.session.upsertStatement(table, projection, perStatement);
          const params: unknown[] = new Array<unknown>(perStatement * width);
          for (; i + perStatement <= rows.length; i += perStatement) {
            let p = 0;
            for (let r = i; r < i + perStatement; r++) {
              const row = rows[r];
              params[p++] = row.key;
              params[p++] = row.state;
              params[p++] = row.position;
              for (const value of row.columns) params[p++] = value;
            }
            many.run(params);
          }
        }
        if (i < rows.length) {
          const one = this.session.upsertStatement(table, projection, 1);
          for (; i < rows.length; i++) {
            const row = rows[i];
            one.run(row.key, row.state, row.position, ...row.columns);
          }
        }
      })
      .immediate();
  }

  /**
   * Keys in the rebuild table. The table has no key index while it is written: this builds it
   * (the swap would), and when a key was written twice, which it refuses, counts distinct keys.
   */
  count(projection: AnyProjection): number {
    assertIdentifier(projection.name, 'Projection name');
    const { session } = this;
    const table = q(rebuildTable(projection.name));
    try {
      session.createKeyIndex(
        projection.name,
        rebuildTable(projection.name),
        this.nextEpoch(projection.name),
      );
    } catch (error) {
      if ((error as { code?: string }).code !== 'SQLITE_CONSTRAINT_UNIQUE') throw error;
      return session.db
        .prepare(`SELECT count(DISTINCT key) FROM ${table}`)
        .pluck(true)
        .get() as number;
    }
    return session.db.prepare(`SELECT count(*) FROM ${table}`).pluck(true).get() as number;
  }

  /** Swaps the rebuilt table in; throws when the rebuild lost its lease or another swap won. */
  swap(projection: AnyProjection, checkpoint: GlobalPosition | undefined, owner: string): void {
    const { session } = this;
    const { db } = session;
    const name = projection.name;
    const live = readModelTable(name);
    const rebuilt = rebuildTable(name);
    const old = `${live}__old`;
    const nextEpoch = this.nextEpoch(name);
    const columns = indexedColumns(projection);
    // Refused (and nothing swapped) if a key was written twice.
    db.transaction(() => session.createKeyIndex(name, rebuilt, nextEpoch)).immediate();
    if (this.besideServer) {
      // The serving process's writes (lease renewals, signals, commands) wait on SQLite's lock
      // with their event loop blocked: let them in between indexes.
      for (const column of columns) {
        db.transaction(() => session.createIndexes(name, rebuilt, [column], nextEpoch)).immediate();
      }
    } else {
      // One commit for all of them: each commit of a big index can set off a WAL checkpoint.
      db.transaction(() => session.createIndexes(name, rebuilt, columns, nextEpoch)).immediate();
    }
    db.transaction(() => {
      const lease = session
        .stmt('SELECT owner FROM rm_projection_lease WHERE name = ?')
        .get(rebuildLeaseName(name)) as { owner: string } | undefined;
      if (lease?.owner !== owner) {
        throw new Error(`The rebuild of '${name}' lost its lease; the old table keeps serving`);
      }
      if (session.epochOf(name) + 1 !== nextEpoch) {
        throw new Error(`'${name}' was swapped by another rebuild meanwhile`);
      }
      db.exec(`DROP TABLE IF EXISTS ${q(old)}`);
      db.exec(`ALTER TABLE ${q(live)} RENAME TO ${q(old)}`);
      db.exec(`ALTER TABLE ${q(rebuilt)} RENAME TO ${q(live)}`);
      session
        .stmt(
          `UPDATE rm_projection_status
           SET version = ?, checkpoint = ?, epoch = ?, updated_at = ?, active_table = ?,
               status = CASE WHEN status = 'failed' THEN 'stopped' ELSE status END,
               error = NULL, failed_position = NULL, failed_event_id = NULL
           WHERE name = ?`,
        )
        .run(projection.version, checkpoint ?? null, nextEpoch, nowIso(), live, name);
    }).immediate();
    // Freeing the old pages outside the swap keeps the write lock short.
    db.exec(`DROP TABLE IF EXISTS ${q(old)}`);
    session.forgetTable(live);
    this.stopRebuilding(name);
  }

  /** The epoch a swap of `name` gives its table (its indexes are named after it). */
  private nextEpoch(name: string): number {
    return this.session.epochOf(name) + 1;
  }

  abandon(name: string): void {
    this.session.db.exec(`DROP TABLE IF EXISTS ${q(rebuildTable(name))}`);
    this.stopRebuilding(name);
  }

  /**
   * While a rebuild table is open the connection gets a larger page cache and in-memory temp
   * storage (the index builds at the swap sort in it). Durability does not change: `synchronous`
   * stays as configured, and each swap is its own transaction.
   */
  private startRebuilding(name: string): void {
    const { db } = this.session;
    if (this.rebuilding.size === 0 && db.open) {
      this.savedPragmas = {
        cacheSize: db.pragma('cache_size', { simple: true }) as number,
        tempStore: db.pragma('temp_store', { simple: true }) as number,
      };
      db.pragma(`cache_size = ${REBUILD_CACHE_SIZE}`);
      db.pragma('temp_store = MEMORY');
    }
    this.rebuilding.add(name);
  }

  private stopRebuilding(name: string): void {
    if (!this.rebuilding.delete(name) || this.rebuilding.size > 0) return;
    const saved = this.savedPragmas;
    this.savedPragmas = undefined;
    const { db } = this.session;
    if (!saved || !db.open) return;
    db.pragma(`cache_size = ${saved.cacheSize}`);
    db.pragma(`temp_store = ${saved.tempStore}`);
  }
}
