import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { warrantyPolicyStreamId } from '@aftercare/domain';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { WarrantyPolicyCatalogue } from './warranty-policy.catalogue';

describe('the warranty policy catalogue', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-catalogue-'));
    store = SqliteEventStore.open({ path: join(dir, 'store.db') });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const publish = (policyId: string, version: number, name: string, effectiveFrom: string) =>
    store.appendToStream(warrantyPolicyStreamId(policyId), [
      {
        id: randomUUID(),
        type: 'WarrantyPolicyPublished',
        data: {
          policyId,
          version,
          name,
          effectiveFrom,
          occurredAt: effectiveFrom,
          terms: { coverageMonths: { default: 24, byCategory: {} } },
        },
        metadata: { schemaVersion: 1 },
      },
    ]);
  const other = (n: number) =>
    store.appendToStream(`customer-c${n}`, [
      {
        id: randomUUID(),
        type: 'FeedbackReceived',
        data: { nps: 9 },
        metadata: { schemaVersion: 1 },
      },
    ]);

  it('lists what was published before and since the last call, each version once', async () => {
    const catalogue = new WarrantyPolicyCatalogue(store);
    expect(await catalogue.list()).toEqual([]);
    await publish('standard', 1, 'Standard', '2022-01-01T00:00:00Z');
    await other(1);
    await publish('premium', 1, 'Premium', '2022-01-01T00:00:00Z');
    expect((await catalogue.list()).map((p) => [p.policyId, p.versions])).toEqual([
      ['premium', [1]],
      ['standard', [1]],
    ]);
    // Later events, then a new version: the next call reads only what came after, and sees it.
    for (let n = 2; n < 6; n++) await other(n);
    expect(await catalogue.list()).toHaveLength(2);
    await publish('standard', 2, 'Standard 2024', '2024-01-01T00:00:00Z');
    const [lists] = await Promise.all([catalogue.list(), catalogue.list()]);
    expect(lists.find((p) => p.policyId === 'standard')).toEqual({
      policyId: 'standard',
      name: 'Standard 2024',
      versions: [1, 2],
      latestVersion: 2,
      latestEffectiveFrom: '2024-01-01T00:00:00Z',
    });
    // A new catalogue (another process) reads the same from the start.
    expect(await new WarrantyPolicyCatalogue(store).list()).toEqual(await catalogue.list());
  });
});
