import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  AccessLog,
  PostgresAccessLogStore,
  SqliteAccessLogStore,
  type AccessLogStore,
} from './access-log';
import type { Principal } from './principal';
import { postgresForSpec } from '../testing/postgres-for-specs';

const agent: Principal = {
  id: 'key:a1',
  name: 'desk',
  kind: 'api_key',
  roles: ['agent'],
  scopes: [],
};

/** `open` answers undefined when the store is unavailable here (PostgreSQL without CI=true). */
function behavesAsAnAccessLog(open: () => Promise<AccessLogStore | undefined>) {
  it('records every one of many reads made at once, in the order they were made', async () => {
    const store = await open();
    if (!store) return;
    const log = new AccessLog(store, () => new Date('2026-12-01T10:00:00Z'));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        log.record(agent, {
          action: 'customer.view',
          subject: `c-${i}`,
          detail: null,
          onBehalfOf: null,
          via: 'http',
        }),
      ),
    );
    const entries = await log.query({ principalId: agent.id, limit: 100 });
    expect(entries.map((e) => e.subject)).toEqual(Array.from({ length: 40 }, (_, i) => `c-${i}`));
    const ids = entries.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(40);
    expect(entries[0]).toMatchObject({
      at: '2026-12-01T10:00:00.000Z',
      principalName: 'desk',
      action: 'customer.view',
      via: 'http',
    });
  });
}

describe('access log [sqlite]', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-access-log-'));
  const db = new Database(join(dir, 'log.db'));
  db.pragma('journal_mode = WAL');
  afterAll(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  behavesAsAnAccessLog(async () => new SqliteAccessLogStore(db));

  it('a read whose record cannot be committed is not acknowledged', async () => {
    const store = new SqliteAccessLogStore(db);
    // Another connection holds the write lock past the busy timeout.
    db.pragma('busy_timeout = 50');
    const other = new Database(join(dir, 'log.db'));
    other.exec('BEGIN IMMEDIATE');
    try {
      await expect(
        store.append({
          at: '2026-12-01T10:00:00Z',
          principalId: agent.id,
          principalName: agent.name,
          onBehalfOf: null,
          action: 'customer.view',
          subject: 'c-late',
          detail: null,
          via: 'http',
        }),
      ).rejects.toMatchObject({ code: 'SQLITE_BUSY' });
    } finally {
      other.exec('ROLLBACK');
      other.close();
    }
    expect(await store.query({ subject: 'c-late' })).toEqual([]);
  });
});

describe('access log [postgres]', () => {
  const pg = postgresForSpec('access_log_test', 'access log tests');

  behavesAsAnAccessLog(async () => {
    const pool = pg.pool();
    return pool ? PostgresAccessLogStore.open(pool, pg.schema) : undefined;
  });
});
