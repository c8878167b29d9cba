import {
  customerProfileProjection,
  type CustomerProfileState,
  defectCountsFrom,
  defectReport,
  warrantyClaimsProjection,
  type WarrantyClaimState,
} from '@aftercare/projections';
import { type BadBatchOption, resolveBadBatch } from '@aftercare/simulation';
import { DefectSignalMonitor } from '../signals/defect-signals';
import type { DefectRateRising } from '../signals/signal.events';
import { foldByKey, seededWorldEvents } from '../testing/seeded-world-events';

jest.setTimeout(180_000);

/**
 * The R&D analyst's question on a seeded world with a bad supplier batch planted: the batch
 * breakdown of the defect report flags that batch and no other batch of the SKU. What is flagged
 * follows from the generated defects; only the planted batch is known up front.
 */
describe('defect report by supplier batch, on a seeded world with a bad batch', () => {
  const bad: BadBatchOption = { sku: 'SMA-CM-ESP', from: '2022-07-01', factor: 5 };
  const planted = resolveBadBatch(bad);
  const events = seededWorldEvents({ customers: 3000, seed: 'batches', badBatch: bad });
  const profiles: CustomerProfileState[] = foldByKey(customerProfileProjection, events);
  const claims: WarrantyClaimState[] = foldByKey(warrantyClaimsProjection, events);
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

  it('signals DefectRateRising naming the planted batch, and no other batch of the SKU', async () => {
    const monitor = new DefectSignalMonitor();
    for (const event of events) monitor.note(event);
    const signals = (await monitor.due('2025-01-15T00:00:00.000Z'))
      .map((s) => s.data as DefectRateRising['data'])
      .filter((d) => d.sku === bad.sku);
    const named = signals.filter((d) => d.supplierBatch !== undefined);
    expect(named.length).toBeGreaterThan(0);
    expect(new Set(named.map((d) => `${d.defectCode} ${d.supplierBatch}`))).toEqual(
      new Set([`${planted.defectCode} ${planted.supplierBatch}`]),
    );
    const evidence = named[0].batch!;
    expect(evidence.observed).toBeGreaterThan(2 * evidence.expected);
  });
});
