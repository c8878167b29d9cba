import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RecordedEvent } from '@aftercare/event-store';
import { loadAftercareConfig } from '../config/load-config';
import { loadMasterKey } from '../crypto/master-key';
import { SYSTEM_PRINCIPAL, type Principal } from '../identity/principal';
import { SqliteDataKeyStore } from './data-key.store';
import { ERASED, PiiVault, REDACTED } from './pii-vault';

const ANALYST: Principal = { id: 'a', name: 'a', kind: 'api_key', roles: ['analyst'], scopes: [] };
const SERVICE_WITH_PII: Principal = { ...ANALYST, roles: ['service'], scopes: ['pii:read'] };

const recorded = (type: string, data: unknown): RecordedEvent => ({
  id: 'e',
  type,
  streamId: 's',
  revision: 0n,
  position: 1n,
  recordedAt: new Date(0),
  data,
  metadata: { schemaVersion: 1 },
});

describe('PiiVault', () => {
  let keys: SqliteDataKeyStore;
  let vault: PiiVault;

  let vaultKey: Buffer;

  beforeEach(() => {
    keys = new SqliteDataKeyStore(':memory:');
    vaultKey = randomBytes(32);
    vault = new PiiVault(keys, vaultKey);
  });
  afterEach(() => keys.close());

  const registration = (customerId: string) => ({
    type: 'CustomerRegistered',
    data: { customerId, segment: 'consumer', pii: { name: 'Ada', email: 'ada@example.com' } },
  });

  it('seals personal data and opens it only for readers allowed to read it', async () => {
    const [sealed] = await vault.sealEvents([registration('c1')]);
    expect(JSON.stringify(sealed)).not.toContain('Ada');
    expect(sealed.data.segment).toBe('consumer');
    const event = recorded(sealed.type, sealed.data);
    expect((await vault.revealEvent(event, SYSTEM_PRINCIPAL)).data).toMatchObject({
      pii: { name: 'Ada', email: 'ada@example.com' },
    });
    expect((await vault.revealEvent(event, SERVICE_WITH_PII)).data).toMatchObject({
      pii: { name: 'Ada' },
    });
    expect((await vault.revealEvent(event, ANALYST)).data).toMatchObject({
      pii: { name: REDACTED, email: REDACTED },
      segment: 'consumer',
    });
  });

  it('after erasure every sealed copy reads erased, for every reader, and nothing new is sealed', async () => {
    const [sealed] = await vault.sealEvents([registration('c1')]);
    const view = { contact: { name: sealed.data.pii.name }, summary: `Hi ${sealed.data.pii.name}` };
    expect(await vault.revealValue(view, SYSTEM_PRINCIPAL)).toEqual({
      contact: { name: 'Ada' },
      summary: 'Hi Ada',
    });
    await vault.erase('c1');
    expect(await vault.revealValue(view, SYSTEM_PRINCIPAL)).toEqual({
      contact: { name: ERASED },
      summary: 'Hi [erased]',
    });
    // Another process (a fresh vault on the same keys) agrees.
    const other = new PiiVault(keys, randomBytes(32));
    expect(await other.isErased('c1')).toBe(true);
    const [late] = await vault.sealEvents([registration('c1')]);
    expect(late.data.pii).toEqual({ name: ERASED, email: ERASED });
  });

  it('a field opened before follows the reader and the key every time: redacted, then erased elsewhere', async () => {
    const shortMemory = new PiiVault(keys, randomBytes(32), { cacheMs: 50 });
    const [sealed] = await shortMemory.sealEvents([registration('c3')]);
    const view = { contact: { name: sealed.data.pii.name } };
    for (let i = 0; i < 2; i++) {
      expect(await shortMemory.revealValue(view, SYSTEM_PRINCIPAL)).toEqual({
        contact: { name: 'Ada' },
      });
      expect(await shortMemory.revealValue(view, ANALYST)).toEqual({
        contact: { name: REDACTED },
      });
    }
    // Erased by another process: this one reads the key again once its memory of it lapses.
    await new PiiVault(keys, randomBytes(32)).erase('c3');
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(await shortMemory.revealValue(view, SYSTEM_PRINCIPAL)).toEqual({
      contact: { name: ERASED },
    });
  });

  it('answers a page of events at once once its keys are in memory, by the same rules', async () => {
    const [ada, bob] = await vault.sealEvents([registration('c5'), registration('c6')]);
    const page = {
      items: [ada, bob, { type: 'FeedbackReceived', data: { customerId: 'c5', nps: 9 } }],
    };
    // A fresh vault on the same keys holds none of them yet: it has to read them.
    const fresh = new PiiVault(keys, vaultKey);
    await vault.erase('c6');
    const first = fresh.revealNow(page, SYSTEM_PRINCIPAL);
    expect(first).toBeInstanceOf(Promise);
    const expected = {
      items: [
        { ...ada, data: { ...ada.data, pii: { name: 'Ada', email: 'ada@example.com' } } },
        { ...bob, data: { ...bob.data, pii: { name: ERASED, email: ERASED } } },
        page.items[2],
      ],
    };
    expect(await first).toEqual(expected);
    const again = fresh.revealNow(page, SYSTEM_PRINCIPAL);
    expect(again).not.toBeInstanceOf(Promise);
    expect(again).toEqual(expected);
    expect(fresh.revealNow(page, ANALYST)).toEqual({
      items: [
        { ...ada, data: { ...ada.data, pii: { name: REDACTED, email: REDACTED } } },
        expected.items[1],
        page.items[2],
      ],
    });
  });

  it('treats plaintext stored before sealing (legacy) by the same rules', async () => {
    const legacy = recorded('FeedbackReceived', { customerId: 'old', comment: 'call me' });
    expect((await vault.revealEvent(legacy, SYSTEM_PRINCIPAL)).data).toMatchObject({
      comment: 'call me',
    });
    expect((await vault.revealEvent(legacy, ANALYST)).data).toMatchObject({ comment: REDACTED });
    await vault.erase('old');
    expect((await vault.revealEvent(legacy, SYSTEM_PRINCIPAL)).data).toMatchObject({
      comment: ERASED,
    });
  });

  it("does not open one customer's sealed field as another's", async () => {
    const [a] = await vault.sealEvents([registration('c1')]);
    await vault.sealEvents([registration('c2')]);
    const forged = a.data.pii.name.replace(
      Buffer.from('c1').toString('base64url'),
      Buffer.from('c2').toString('base64url'),
    );
    expect(await vault.revealValue(forged, SYSTEM_PRINCIPAL)).toEqual({ unreadable: true });
  });
});

describe('loadMasterKey', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'aftercare-key-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('names the variable when AFTERCARE_MASTER_KEY is not 32 bytes', () => {
    expect(() =>
      loadMasterKey(loadAftercareConfig({ AFTERCARE_MASTER_KEY: 'short' }).keys),
    ).toThrow(/AFTERCARE_MASTER_KEY/);
  });

  it('creates a 0600 key file beside the database on first start and reuses it', () => {
    const env = { AFTERCARE_SQLITE_PATH: join(dir, 'a.db') };
    const first = loadMasterKey(loadAftercareConfig(env).keys);
    expect(statSync(join(dir, 'master.key')).mode & 0o777).toBe(0o600);
    expect(loadMasterKey(loadAftercareConfig(env).keys).key.equals(first.key)).toBe(true);
  });

  it('refuses a key file other users can read', () => {
    const file = join(dir, 'open.key');
    writeFileSync(file, randomBytes(32).toString('base64'), { mode: 0o644 });
    expect(() =>
      loadMasterKey(loadAftercareConfig({ AFTERCARE_MASTER_KEY_FILE: file }).keys),
    ).toThrow(/chmod 600/);
  });
});
