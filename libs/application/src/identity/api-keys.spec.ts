import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from './api-key.store';
import { ApiKeys, InvalidApiKeyRequest, KEY_RECHECK_MS } from './api-keys';
import { postgresForSpec } from '../testing/postgres-for-specs';

/** `open` answers undefined when the store is unavailable here (PostgreSQL without CI=true). */
function behavesAsAKeyStore(
  open: () => Promise<{ store: ApiKeyStore; raw: () => Promise<string> } | undefined>,
) {
  it('authenticates a created key as its role, and stores only a salted hash of the secret', async () => {
    const opened = await open();
    if (!opened) return;
    const { store, raw } = opened;
    const keys = new ApiKeys(store);
    const created = await keys.create({ role: 'analyst', name: 'BI export', createdBy: 'cli:ada' });
    const again = await keys.create({ role: 'analyst', name: 'BI export', createdBy: 'cli:ada' });

    expect(created.key).toMatch(/^ak_[0-9a-f]{16}_[A-Za-z0-9_-]{43}$/);
    expect(await keys.authenticate(created.key)).toEqual({
      id: `key:${created.record.id}`,
      name: 'BI export',
      kind: 'api_key',
      roles: ['analyst'],
      scopes: [],
    });
    const secret = created.key.split('_').slice(2).join('_');
    const table = await raw();
    expect(table).not.toContain(secret);
    expect(table).toContain(created.record.id);
    // Same role and name, different salt: the stored hashes share nothing.
    expect(created.record.secretHash.split('$')[4]).not.toBe(again.record.secretHash.split('$')[4]);
  });

  it('refuses a wrong secret, an unknown id and a revoked key (within 2 s of a revocation elsewhere)', async () => {
    const opened = await open();
    if (!opened) return;
    const { store } = opened;
    let now = Date.parse('2026-12-02T10:00:00Z');
    const keys = new ApiKeys(store, () => new Date(now));
    const { key, record } = await keys.create({
      role: 'service',
      name: 'crm',
      scopes: ['pii:read'],
      createdBy: 'test',
    });
    const other = await keys.create({ role: 'service', name: 'other', createdBy: 'test' });
    const forged = key.slice(0, 20) + other.key.slice(20);

    expect((await keys.authenticate(key))?.scopes).toEqual(['pii:read']);
    expect(await keys.authenticate(forged)).toBeUndefined();
    expect(await keys.authenticate(`ak_${'0'.repeat(16)}_${key.slice(20)}`)).toBeUndefined();
    expect(await keys.authenticate('not-a-key')).toBeUndefined();

    // Another process (the CLI) revokes it: this instance refuses it once it looks the key up
    // again, at most KEY_RECHECK_MS after it last did.
    const elsewhere = new ApiKeys(store);
    expect(await elsewhere.revoke(record.id, 'cli:ada')).toBe(true);
    now += KEY_RECHECK_MS - 1;
    expect((await keys.authenticate(key))?.scopes).toEqual(['pii:read']);
    expect(await keys.authenticate(forged)).toBeUndefined();
    now += 1;
    expect(await keys.authenticate(key)).toBeUndefined();
    expect(await elsewhere.revoke(record.id, 'cli:ada')).toBe(false);
    const listed = (await keys.list()).find((k) => k.id === record.id);
    expect(listed).toMatchObject({ revokedBy: 'cli:ada', name: 'crm', role: 'service' });
    expect(typeof listed?.revokedAt).toBe('string');
  });

  it('forgets the least recently checked key first; a revocation through it applies at once', async () => {
    const opened = await open();
    if (!opened) return;
    const { store } = opened;
    const keys = new ApiKeys(store, () => new Date(), 1);
    const elsewhere = new ApiKeys(store);
    const a = await keys.create({ role: 'agent', name: 'a', createdBy: 'test' });
    const b = await keys.create({ role: 'agent', name: 'b', createdBy: 'test' });
    const c = await keys.create({ role: 'agent', name: 'c', createdBy: 'test' });
    expect(await keys.authenticate(a.key)).toBeDefined();
    expect(await keys.authenticate(b.key)).toBeDefined();
    // `a` was forgotten for `b`: it is looked up again, and its revocation elsewhere shows.
    await elsewhere.revoke(a.record.id, 'cli:ada');
    expect(await keys.authenticate(a.key)).toBeUndefined();
    expect(await keys.authenticate(c.key)).toBeDefined();
    expect(await keys.revoke(c.record.id, 'admin')).toBe(true);
    expect(await keys.authenticate(c.key)).toBeUndefined();
  });

  it('refuses an unknown role or scope and an empty name, creating nothing', async () => {
    const opened = await open();
    if (!opened) return;
    const { store } = opened;
    const keys = new ApiKeys(store);
    const before = (await keys.list()).length;
    await expect(keys.create({ role: 'root', name: 'x', createdBy: 't' })).rejects.toThrow(
      InvalidApiKeyRequest,
    );
    await expect(keys.create({ role: 'agent', name: ' ', createdBy: 't' })).rejects.toThrow(/name/);
    await expect(
      keys.create({ role: 'agent', name: 'x', scopes: ['pii:write'], createdBy: 't' }),
    ).rejects.toThrow(/scope/);
    expect((await keys.list()).length).toBe(before);
  });
}

describe('API keys [sqlite]', () => {
  behavesAsAKeyStore(async () => {
    const db = new Database(':memory:');
    return {
      store: new SqliteApiKeyStore(db),
      raw: async () => JSON.stringify(db.prepare('SELECT * FROM api_keys').all()),
    };
  });

  it('creates the bootstrap admin key once, in a 0600 file beside the database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'aftercare-keys-'));
    try {
      const keys = new ApiKeys(new SqliteApiKeyStore(new Database(':memory:')));
      const file = join(dir, 'data', 'admin.key');
      const created = await keys.ensureBootstrapAdminKey(file);
      expect(created?.record.role).toBe('admin');
      expect(readFileSync(file, 'utf8').trim()).toBe(created?.key);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      expect(await keys.ensureBootstrapAdminKey(file)).toBeUndefined();
      expect((await keys.authenticate(created!.key))?.roles).toEqual(['admin']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('API keys [postgres]', () => {
  const pg = postgresForSpec('keys_test', 'API key tests');

  behavesAsAKeyStore(async () => {
    const pool = pg.pool();
    if (!pool) return undefined;
    const store = await PostgresApiKeyStore.open(pool, pg.schema);
    return {
      store,
      raw: async () =>
        JSON.stringify((await pool.query(`SELECT * FROM "${pg.schema}".api_keys`)).rows),
    };
  });
});
