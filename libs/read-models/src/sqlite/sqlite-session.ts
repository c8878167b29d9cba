import type Database from 'better-sqlite3';
import type { AnyProjection } from '@aftercare/projections';
import {
  assertIdentifier,
  columnNames,
  InvalidReadModelQueryError,
  readModelTable,
  UnknownReadModelError,
} from '../read-model-store';

/**
 * A connection of the SQLite read-model store with what its parts share: prepared statements
 * (cached by text), the known columns of each table, tables and indexes, and the epoch of a
 * projection.
 */
export class SqliteSession {
  private readonly statements = new Map<string, Database.Statement>();
  private readonly tableColumns = new Map<string, Set<string>>();

  constructor(readonly db: Database.Database) {}

  stmt(sql: string, safeIntegers = false): Database.Statement {
    const id = `${safeIntegers ? 'S' : 'N'}${sql}`;
    let statement = this.statements.get(id);
    if (!statement) {
      statement = this.db.prepare(sql);
      if (safeIntegers) statement.safeIntegers(true);
      this.statements.set(id, statement);
    }
    return statement;
  }

  forget(): void {
    this.statements.clear();
    this.tableColumns.clear();
  }

  /** Drops what is known of a table's columns (it was replaced by a rebuilt one). */
  forgetTable(table: string): void {
    this.tableColumns.delete(table);
  }

  epochOf(name: string): number {
    const row = this.stmt('SELECT epoch FROM rm_projection_status WHERE name = ?').get(name) as
      { epoch: number } | undefined;
    return row?.epoch ?? 0;
  }

  /**
   * The state comes last: a state of more than a page spills into overflow pages, and a column
   * stored after it would be read by walking them (every index build at a rebuild's swap did).
   */
  createTable(table: string, columns: readonly string[], keyIndex: 'now' | 'later' = 'now'): void {
    const extra = columns.map((c) => `${q(c)}, `).join('');
    // A key index built later (`createKeyIndex`) is built once, sorted, instead of row by row.
    const key = keyIndex === 'now' ? 'key TEXT PRIMARY KEY' : 'key TEXT NOT NULL';
    this.db.exec(
      `CREATE TABLE IF NOT EXISTS ${q(table)} (${key}, position INTEGER NOT NULL, ${extra}state TEXT NOT NULL)`,
    );
  }

  /** The unique index on `key` of a table created with its key index 'later'. */
  createKeyIndex(name: string, table: string, epoch: number): void {
    this.db.exec(
      `CREATE UNIQUE INDEX IF NOT EXISTS ${q(`rmkey_${name}_e${epoch}`)} ON ${q(table)} (key)`,
    );
  }

  /** Index names carry the epoch: a rebuilt table keeps its index names after the rename. */
  createIndexes(name: string, table: string, columns: readonly string[], epoch: number): void {
    for (const column of columns) {
      this.db.exec(
        `CREATE INDEX IF NOT EXISTS ${q(indexName(name, epoch, column))} ON ${q(table)} (${q(column)}, key)`,
      );
    }
  }

  /**
   * Gives a live table the column indexes its projection declares: one no longer declared is
   * dropped (it would cost every write), one declared and missing is built. The key's index is
   * not a column index and stays.
   */
  reconcileIndexes(name: string, table: string, columns: readonly string[], epoch: number): void {
    const present = new Set(
      this.db
        .prepare(
          `SELECT name FROM sqlite_master
           WHERE type = 'index' AND tbl_name = ? AND name LIKE 'rmix\\_%' ESCAPE '\\'`,
        )
        .pluck()
        .all(table) as string[],
    );
    const wanted = new Set(columns.map((column) => indexName(name, epoch, column)));
    for (const index of present) {
      if (!wanted.has(index)) this.db.exec(`DROP INDEX IF EXISTS ${q(index)}`);
    }
    const missing = columns.filter((column) => !present.has(indexName(name, epoch, column)));
    this.createIndexes(name, table, missing, epoch);
  }

  /** `INSERT OR REPLACE` of `rows` rows at once (prepared once, then cached). */
  upsertStatement(table: string, projection: AnyProjection, rows = 1): Database.Statement {
    const columns = columnNames(projection);
    const names = ['key', 'state', 'position', ...columns].map(q).join(', ');
    const marks = `(${['?', '?', '?', ...columns.map(() => '?')].join(', ')})`;
    return this.stmt(
      `INSERT OR REPLACE INTO ${q(table)} (${names}) VALUES ${Array<string>(rows).fill(marks).join(', ')}`,
    );
  }

  /** The live table of a registered projection; UnknownReadModelError if there is none. */
  existingTable(name: string): string {
    assertIdentifier(name, 'Projection name');
    const table = readModelTable(name);
    if (!this.columnsOf(table).size) throw new UnknownReadModelError(name);
    return table;
  }

  assertColumn(table: string, column: string): void {
    if (column === 'state') throw new InvalidReadModelQueryError('state is not a queryable column');
    if (this.columnsOf(table).has(column)) return;
    this.tableColumns.delete(table); // a rebuild in another process may have added it
    if (!this.columnsOf(table).has(column)) {
      throw new InvalidReadModelQueryError(`Unknown column '${column}' in ${table}`);
    }
  }

  private columnsOf(table: string): Set<string> {
    let columns = this.tableColumns.get(table);
    if (!columns) {
      const info = this.db.prepare(`PRAGMA table_info(${q(table)})`).all() as { name: string }[];
      columns = new Set(info.map((c) => c.name));
      if (columns.size) this.tableColumns.set(table, columns);
    }
    return columns;
  }
}

function indexName(name: string, epoch: number, column: string): string {
  return `rmix_${name}_e${epoch}_${column}`;
}

export function q(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

export function nowIso(): string {
  return new Date().toISOString();
}
