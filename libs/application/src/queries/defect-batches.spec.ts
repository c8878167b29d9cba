import type { RecordedEvent } from '@aftercare/event-store';
import {
  customerProfileProjection,
  type CustomerProfileState,
  defectCountsFrom,
  defectReport,
  type Projection,
  warrantyClaimsProjection,
  type WarrantyClaimState,
} from '@aftercare/projections';
import { type BadBatchOption, generateWorld, resolveBadBatch } from '@aftercare/simulation';

jest.setTimeout(180_000);

/** Folds events by key, as the runtime does. */
function fold<State>(projection: Projection<State>, events: readonly RecordedEvent[]): State[] {
  const states = new Map<string, State>();
  for (const event of events) {
    const key = projection.keyOf(event);
    if (key === undefined) continue;
    states.set(key, projection.evolve(states.get(key) ?? projection.initialState(key), event));
  }
  return [...states.values()];
}

/**
 * The R&D analyst's question on a seeded world with a bad supplier batch planted: the batch
 * breakdown of the defect report flags that batch and no other batch of the SKU. What is flagged
 * follows from the generated defects; only the planted batch is known up front.
 */
describe('defect report by supplier batch, on a seeded world with a bad batch', () => {
  const bad: BadBatchOption = { sku: 'SMA-CM-ESP', from: '2022-07-01', factor: 5 };
  const planted = resolveBadBatch(bad);
  const events: RecordedEvent[] = [];
  let position = 0n;
  for (const batch of generateWorld({ customers: 3000, seed: 'batches', badBatch: bad })) {
    for (const e of batch.events) {
      position++;
      events.push({
        id: e.id,
        type: e.type,
        data: e.data,
        metadata: { schemaVersion: 1 },
        streamId: batch.streamId,
        revision: position,
        position,
        recordedAt: new Date((e.data as { occurredAt: string }).occurredAt),
      });
    }
  }
  const profiles: CustomerProfileState[] = fold(customerProfileProjection, events);
  const claims: WarrantyClaimState[] = fold(warrantyClaimsProjection, events);
  const report = defectReport(defectCountsFrom(profiles, claims), '2025-01-01T00:00:00.000Z', {
    sku: bad.sku,
    byBatch: true,
  });
  const code = report.skus[0].byDefect.find((c) => c.defectCode === planted.defectCode)!;
  const rowOf = (batch: string) => code.byBatch!.find((b) => b.supplierBatch === batch)!;

  it('records a batch on every serialised purchase', () => {
    const purchases = events.filter((e) => e.type === 'PurchaseRecorded');
    const serialised = purchases.filter((e) => (e.data as { serialNumber?: string }).serialNumber);
    expect(serialised.length).toBeGreaterThan(1000);
    expect(
      serialised.every((e) =>
        /^\d{4}H[12]-[AB]$/.test((e.data as { supplierBatch: string }).supplierBatch),
      ),
    ).toBe(true);
  });

  it('flags the planted batch: an alarm, more defects than the other batches at the same age', () => {
    const row = rowOf(planted.supplierBatch);
    expect(row.judged).toBe(true);
    expect(row.cusum.lastAlarm).not.toBeNull();
    expect(row.comparison.ratio).toBeGreaterThan(2);
  });

  it('flags no other batch of the SKU, the other line of the same half-year included', () => {
    const sameLot = rowOf(planted.supplierBatch.replace(/-A$/, '-B'));
    expect(sameLot.judged).toBe(true);
    expect(sameLot.cusum.lastAlarm).toBeNull();
    const others = report.skus[0].byDefect.flatMap((c) =>
      c.byBatch!.filter((b) => c !== code || b.supplierBatch !== planted.supplierBatch),
    );
    expect(others.filter((b) => b.judged).length).toBeGreaterThan(20);
    expect(others.filter((b) => b.cusum.lastAlarm !== null)).toEqual([]);
  });
});
