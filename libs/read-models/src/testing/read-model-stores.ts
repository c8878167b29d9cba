import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { Client } from 'pg';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { PostgresReadModelStore } from '../postgres/postgres.read-model-store';
import { type ReadModelStore, rebuildLeaseName } from '../read-model-store';
import { SqliteReadModelStore } from '../sqlite/sqlite.read-model-store';
import { tempDir } from './runtime-fixtures';

/**
 * Runs the runtime's store-level behaviour tests against every read-model store: SQLite always,
 * PostgreSQL when it is reachable (DATABASE_URL, default the local test database). With `CI=true`
 * an unreachable PostgreSQL fails the run; otherwise its cases are skipped with a warning.
 *
 * A harness opens stores over one test's database (the SQLite file the event store also uses, or a
 * fresh PostgreSQL schema, dropped by `dispose`) and does the raw-SQL things the tests need
 * (simulated crashes, damaged rows, leftovers of a dead rebuild) in each store's own dialect.
 */
export interface ReadModelHarness {
  readonly kind: 'sqlite' | 'postgres';
  /** A new store instance (its own connection) over this test's read models. */
  open(): Promise<ReadModelStore>;
  /** The connection goes away without a graceful stop: leases and status are left behind. */
  kill(store: ReadModelStore): Promise<void>;
  /** From now on, inserting `key` into `table` fails with `message` (until `disarmCrash`). */
  armCrash(table: string, key: string, message: string): Promise<void>;
  disarmCrash(): Promise<void>;
  /** Overwrites a stored state behind the store's back. */
  damage(table: string, key: string, json: string): Promise<void>;
  /** Table names starting with `prefix`, sorted. */
  tables(prefix: string): Promise<string[]>;
  /** Names of the secondary indexes of `table`, sorted. */
  indexes(table: string): Promise<string[]>;
  /** What a rebuild killed mid-way leaves: a filled `rm_<name>__rebuild` and an expired lease. */
  plantDeadRebuild(name: string, columns: readonly string[]): Promise<void>;
  dispose(): Promise<void>;
}

export interface ReadModelHarnessFactory {
  readonly kind: 'sqlite' | 'postgres';
  /** `sqlitePath`: the test's SQLite file (shared with the event store in the embedded setup). */
  create(sqlitePath: string): Promise<ReadModelHarness>;
}

export const postgresTestUrl =
  process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

let reachableCache: boolean | undefined;

/**
 * jest declares tests synchronously, so reachability is probed synchronously, in a child process,
 * before the suites are declared.
 */
export function postgresReachable(): boolean {
  if (reachableCache !== undefined) return reachableCache;
  const probe = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(
      () => client.end().then(() => process.exit(0)),
      () => process.exit(1),
    );`;
  const result = spawnSync(process.execPath, ['-e', probe, postgresTestUrl], {
    cwd: __dirname,
    timeout: 10_000,
    stdio: 'ignore',
  });
  reachableCache = result.status === 0;
  return reachableCache;
}

export const sqliteHarness: ReadModelHarnessFactory = {
  kind: 'sqlite',
  async create(path) {
    const opened: SqliteReadModelStore[] = [];
    const raw = SqliteReadModelStore.open({ path });
    const db = raw.db;
    return {
      kind: 'sqlite',
      async open() {
        const store = SqliteReadModelStore.open({ path });
        opened.push(store);
        return store;
      },
      async kill(store) {
        (store as SqliteReadModelStore).db.close();
      },
      async armCrash(table, key, message) {
        db.exec(`
          CREATE TABLE crash_switch (armed INTEGER);
          INSERT INTO crash_switch VALUES (1);
          CREATE TRIGGER crash BEFORE INSERT ON ${table}
          WHEN NEW.key = '${key}' AND (SELECT armed FROM crash_switch) = 1
          BEGIN SELECT RAISE(ABORT, '${message}'); END;`);
      },
      async disarmCrash() {
        db.exec('UPDATE crash_switch SET armed = 0');
      },
      async damage(table, key, json) {
        db.prepare(`UPDATE ${table} SET state = ? WHERE key = ?`).run(json, key);
      },
      async tables(prefix) {
        return db
          .prepare(
            `SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ? ORDER BY name`,
          )
          .pluck()
          .all(`${prefix}%`) as string[];
      },
      async indexes(table) {
        return db
          .prepare(
            // The column indexes: the key's own index (automatic, or built at a rebuild's swap) aside.
            `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ? AND sql IS NOT NULL
               AND name NOT LIKE 'rmkey\\_%' ESCAPE '\\' ORDER BY name`,
          )
          .pluck()
          .all(table) as string[];
      },
      async plantDeadRebuild(name, columns) {
        db.exec(`
          CREATE TABLE rm_${name}__rebuild (key TEXT PRIMARY KEY, state TEXT NOT NULL, position INTEGER NOT NULL${columns.map((c) => `, ${c}`).join('')});
          INSERT INTO rm_${name}__rebuild VALUES ('ghost', '{}', 1${columns.map(() => ', 0').join('')});`);
        db.prepare('INSERT INTO rm_projection_lease VALUES (?, ?, ?)').run(
          rebuildLeaseName(name),
          'dead',
          Date.now() - 1,
        );
      },
      async dispose() {
        for (const store of opened) await store.close().catch(() => undefined);
        await raw.close();
      },
    };
  },
};

export const postgresHarness: ReadModelHarnessFactory = {
  kind: 'postgres',
  async create() {
    const schema = `rm_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
    const admin = new Client({ connectionString: postgresTestUrl });
    await admin.connect();
    const opened: PostgresReadModelStore[] = [];
    const s = (identifier: string) => `"${schema}"."${identifier}"`;
    return {
      kind: 'postgres',
      async open() {
        const store = await PostgresReadModelStore.connect({
          connectionString: postgresTestUrl,
          schema,
          maxConnections: 4,
        });
        opened.push(store);
        return store;
      },
      async kill(store) {
        // Ends the pool: every later call of that instance fails, its lease stays behind.
        await (store as PostgresReadModelStore).pool.end();
      },
      async armCrash(table, key, message) {
        await admin.query(`
          CREATE TABLE ${s('crash_switch')} (armed integer);
          INSERT INTO ${s('crash_switch')} VALUES (1);
          CREATE FUNCTION ${s('crash')}() RETURNS trigger LANGUAGE plpgsql AS $$
          BEGIN
            IF NEW.key = '${key}' AND (SELECT armed FROM ${s('crash_switch')}) = 1 THEN
              RAISE EXCEPTION '${message}';
            END IF;
            RETURN NEW;
          END $$;
          CREATE TRIGGER crash BEFORE INSERT ON ${s(table)} FOR EACH ROW EXECUTE FUNCTION ${s('crash')}();`);
      },
      async disarmCrash() {
        await admin.query(`UPDATE ${s('crash_switch')} SET armed = 0`);
      },
      async damage(table, key, json) {
        await admin.query(`UPDATE ${s(table)} SET state = $1 WHERE key = $2`, [json, key]);
      },
      async tables(prefix) {
        const { rows } = await admin.query<{ name: string }>(
          `SELECT tablename AS name FROM pg_tables WHERE schemaname = $1 AND starts_with(tablename, $2)
           ORDER BY tablename COLLATE "C"`,
          [schema, prefix],
        );
        return rows.map((r) => r.name);
      },
      async indexes(table) {
        const { rows } = await admin.query<{ name: string }>(
          `SELECT i.relname AS name FROM pg_index x
           JOIN pg_class i ON i.oid = x.indexrelid
           WHERE x.indrelid = to_regclass($1) AND NOT x.indisprimary
           ORDER BY i.relname COLLATE "C"`,
          [s(table)],
        );
        return rows.map((r) => r.name);
      },
      async plantDeadRebuild(name, columns) {
        await admin.query(`
          CREATE TABLE ${s(`rm_${name}__rebuild`)} (key text PRIMARY KEY, state text NOT NULL, position bigint NOT NULL${columns.map((c) => `, "${c}" double precision`).join('')});
          INSERT INTO ${s(`rm_${name}__rebuild`)} VALUES ('ghost', '{}', 1${columns.map(() => ', 0').join('')});`);
        await admin.query(
          `INSERT INTO ${s('rm_projection_lease')} VALUES ($1, $2, now() - interval '1 millisecond')`,
          [rebuildLeaseName(name), 'dead'],
        );
      },
      async dispose() {
        for (const store of opened) await store.close().catch(() => undefined);
        try {
          await admin.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
        } finally {
          await admin.end();
        }
      },
    };
  },
};

/**
 * `describe`s `body` once per store: `[sqlite]` always, `[postgres]` when reachable. With CI=true
 * and PostgreSQL unreachable, a failing case takes the place of the postgres suite.
 */
export function describeEachReadModelStore(
  title: string,
  body: (factory: ReadModelHarnessFactory) => void,
): void {
  describe(`${title} [sqlite]`, () => body(sqliteHarness));
  describeWithPostgres(`${title} [postgres]`, () => body(postgresHarness));
}

/** `describe` when PostgreSQL is reachable; a failure with CI=true, a skip with a warning otherwise. */
export function describeWithPostgres(title: string, body: () => void): void {
  if (postgresReachable()) {
    describe(title, body);
  } else if (process.env.CI === 'true') {
    describe(title, () => {
      it(`needs PostgreSQL at ${postgresTestUrl} (CI=true)`, () => {
        throw new Error(`PostgreSQL is not reachable at ${postgresTestUrl}; set DATABASE_URL`);
      });
    });
  } else {
    console.warn(
      `PostgreSQL is not reachable at ${postgresTestUrl}: '${title}' is skipped. ` +
        'Set DATABASE_URL to run it.',
    );
    describe.skip(title, () => {
      it('needs PostgreSQL', () => undefined);
    });
  }
}

/**
 * Per test: an embedded event store in a fresh folder and a read-model harness beside it, both
 * disposed after the test with whatever the test pushed onto `cleanup` (engines, connections).
 */
export function runtimeFixture(stores: ReadModelHarnessFactory): {
  store: () => SqliteEventStore;
  harness: () => ReadModelHarness;
  cleanup: (() => Promise<void>)[];
} {
  let dir: { path: string; dispose: () => void };
  let store: SqliteEventStore;
  let harness: ReadModelHarness;
  const cleanup: (() => Promise<void>)[] = [];
  beforeEach(async () => {
    dir = tempDir();
    const path = join(dir.path, 'aftercare.db');
    store = SqliteEventStore.open({ path, synchronous: 'normal', pollIntervalMs: 20 });
    harness = await stores.create(path);
  });
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn().catch(() => undefined);
    await harness.dispose();
    await store.close();
    dir.dispose();
  });
  return { store: () => store, harness: () => harness, cleanup };
}
