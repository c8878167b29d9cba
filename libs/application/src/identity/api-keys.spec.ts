import Database from 'better-sqlite3';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PostgresApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from './api-key.store';
import { ApiKeys, InvalidApiKeyRequest } from './api-keys';
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

  it('refuses a wrong secret, an unknown id and a revoked key (at once, even once verified)', async () => {
    const opened = await open();
    if (!opened) return;
    const { store } = opened;
    const keys = new ApiKeys(store);
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

    // Another process (the CLI) revokes it: this instance's cache does not keep it alive.
    const elsewhere = new ApiKeys(store);
    expect(await elsewhere.revoke(record.id, 'cli:ada')).toBe(true);
    expect(await keys.authenticate(key)).toBeUndefined();
    expect(await elsewhere.revoke(record.id, 'cli:ada')).toBe(false);
    const listed = (await keys.list()).find((k) => k.id === record.id);
    expect(listed).toMatchObject({ revokedBy: 'cli:ada', name: 'crm', role: 'service' });
    expect(typeof listed?.revokedAt).toBe('string');
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
