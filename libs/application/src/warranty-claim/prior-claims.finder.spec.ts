import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { schemaVersionOf, warrantyClaimStreamId } from '@aftercare/domain';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { IndexedPriorClaimsFinder } from './prior-claims.finder';

describe('prior claims on an item', () => {
  let dir: string;
  let store: SqliteEventStore;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-prior-'));
    store = SqliteEventStore.open({ path: join(dir, 'events.db') });
  });

  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  async function append(claimId: string, type: string, data: Record<string, unknown>) {
    await store.appendToStream(warrantyClaimStreamId(claimId), [
      {
        id: randomUUID(),
        type,
        data: { claimId, ...data },
        metadata: { schemaVersion: schemaVersionOf(type as never) },
      },
    ]);
  }

  const filed = (claimId: string, purchaseId: string, serialNumber: string | null, day: number) =>
    append(claimId, 'WarrantyClaimFiled', {
      customerId: 'c1',
      purchaseId,
      serialNumber,
      defect: { code: `D${day}`, description: 'broken' },
      symptom: 'does not start',
      evidence: { proofOfPurchase: true },
      occurredAt: `2025-01-${String(day).padStart(2, '0')}T10:00:00.000Z`,
    });

  const decided = (claimId: string, outcome: string, remedy: string | null) =>
    append(claimId, 'WarrantyClaimDecided', {
      outcome,
      remedy,
      occurredAt: '2025-02-01T10:00:00.000Z',
    });

  it('finds the claims on a serial, or on a purchase without one, with their latest outcome', async () => {
    const finder = new IndexedPriorClaimsFinder(store);
    await filed('k1', 'p1', 'SN-1', 1);
    await decided('k1', 'approved', 'repair');
    await filed('k2', 'p2', null, 2);
    expect(await finder.claimsOn({ serialNumber: 'SN-1', purchaseId: 'p1' })).toEqual([
      expect.objectContaining({ claimId: 'k1', outcome: 'approved', remedy: 'repair' }),
    ]);
    expect(await finder.claimsOn({ serialNumber: null, purchaseId: 'p2' })).toEqual([
      expect.objectContaining({ claimId: 'k2', outcome: 'needs_review', defectCode: 'D2' }),
    ]);
    expect(await finder.claimsOn({ serialNumber: 'SN-9', purchaseId: 'p9' })).toEqual([]);

    // Appended after its first read (by this process or another): found on the next call.
    await filed('k3', 'p1', 'SN-1', 3);
    await append('k1', 'WarrantyDecisionOverridden', {
      outcome: 'rejected',
      remedy: null,
      occurredAt: '2025-02-02T10:00:00.000Z',
    });
    const again = await finder.claimsOn({ serialNumber: 'SN-1', purchaseId: 'p1' });
    expect(again.map((c) => [c.claimId, c.outcome])).toEqual([
      ['k1', 'rejected'],
      ['k3', 'needs_review'],
    ]);
    // A fresh finder reading everything at once agrees.
    expect(
      await new IndexedPriorClaimsFinder(store).claimsOn({
        serialNumber: 'SN-1',
        purchaseId: 'p1',
      }),
    ).toEqual(again);
  });

  it('answers callers asking at once the same way', async () => {
    const finder = new IndexedPriorClaimsFinder(store);
    await filed('k1', 'p1', 'SN-1', 1);
    const answers = await Promise.all(
      [1, 2, 3].map(() => finder.claimsOn({ serialNumber: 'SN-1', purchaseId: 'p1' })),
    );
    for (const answer of answers) expect(answer.map((c) => c.claimId)).toEqual(['k1']);
  });
});
