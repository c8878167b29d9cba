import { DEFECT_CUSUM_DEFAULTS } from '@aftercare/analytics';
import { entryOf } from '@aftercare/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import {
  addDefect,
  addUnit,
  type DefectBatchSeries,
  defectBatchSeries,
  type DefectCounts,
  type DefectSeries,
  type DefectUnit,
  defectSeries,
  emptyDefectCounts,
  monthOf,
  previousMonth,
} from '@aftercare/projections';
import { TimeSlice } from '@aftercare/read-models';
import { uuidV5 } from '../write/event-ids';
import {
  DEFECT_SIGNAL_STREAM,
  type DefectBatchEvidence,
  type DefectRateRising,
} from './signal.events';
import type { SignalToAppend } from './customer-signals';

/** Event types the defect counts read (the prefixes of a priming scan). */
const DEFECT_EVENT_TYPES = ['PurchaseRecorded', 'RepairCompleted', 'WarrantyClaimFiled'];

/** The first instant after a month (YYYY-MM): when its evidence is complete. */
function endOfMonth(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 1)).toISOString();
}

/**
 * The wiring of the defect early warning into the signal processor (docs/defects.md). The
 * processor hands it every source event (`note`: units in service and defects, by SKU, defect
 * code and month), and its sweep asks for the signals due at a wall-clock time (`due`): every
 * alarm of the Poisson CUSUM (defectSeries in @aftercare/projections) in a closed month not yet
 * signalled, as DefectRateRising in `signal-_defects`. Months are judged only once closed, and
 * only by the sweep once the processor has caught up, so a store recorded out of business order
 * (an import, a seeded world) is judged on all its history; ids derive from SKU, code and month,
 * so a replay appends nothing twice.
 */
export class DefectSignalMonitor {
  private counts: DefectCounts = emptyDefectCounts();
  private skuOf = new Map<string, string>();
  /** Serialised units by purchase: their batch and when they were sold. */
  private unitOf = new Map<string, DefectUnit>();
  private signalled = new Set<string>();
  /** Moves on whenever the counts change: the series judged for a month are kept until then. */
  private version = 0;
  private judged?: {
    through: string;
    version: number;
    batchesOf: Map<string, DefectBatchSeries[]>;
    series: ReturnType<typeof defectSeries>;
  };

  reset(): void {
    this.version++;
    this.counts = emptyDefectCounts();
    this.skuOf.clear();
    this.unitOf.clear();
    this.signalled.clear();
  }

  /** Counts one event (others are ignored). */
  note(event: RecordedEvent): void {
    const d = event.data as Record<string, unknown> | null;
    if (!d || typeof d.occurredAt !== 'string') return;
    const at = d.occurredAt;
    if (event.type === 'PurchaseRecorded') {
      const { purchaseId, sku, productCategory, serialNumber, supplierBatch } = d as {
        purchaseId: string;
        sku: string;
        productCategory: string;
        serialNumber?: string;
        supplierBatch?: string;
      };
      this.skuOf.set(purchaseId, sku);
      if (serialNumber) {
        addUnit(this.counts, sku, productCategory, at, supplierBatch ?? null);
        this.version++;
        this.unitOf.set(purchaseId, { supplierBatch: supplierBatch ?? null, soldAt: at });
      }
    } else if (event.type === 'WarrantyClaimFiled') {
      const { purchaseId, defect } = d as { purchaseId: string; defect?: { code?: string } };
      const sku = this.skuOf.get(purchaseId);
      const unit = this.unitOf.get(purchaseId);
      if (sku && defect?.code) {
        addDefect(this.counts, sku, defect.code, at, unit);
        this.version++;
      }
    } else if (event.type === 'RepairCompleted') {
      const r = d as { purchaseId: string; defectCode: string; warrantyClaimId?: string };
      const sku = this.skuOf.get(r.purchaseId);
      const unit = this.unitOf.get(r.purchaseId);
      if (sku && r.warrantyClaimId === undefined) {
        addDefect(this.counts, sku, r.defectCode, at, unit);
        this.version++;
      }
    }
  }

  /**
   * Before resuming at `checkpoint`: the counts from one scan of the events they read, and the
   * signals already recorded.
   */
  async prime(store: EventStore, checkpoint: GlobalPosition, stopping: () => boolean) {
    const slice = new TimeSlice();
    for await (const event of store.readAll({
      filter: { categories: ['customer', 'warranty'], eventTypePrefixes: DEFECT_EVENT_TYPES },
    })) {
      if (event.position > checkpoint || stopping()) break;
      await slice.pause();
      this.note(event);
    }
    for await (const event of store.readStream(DEFECT_SIGNAL_STREAM)) {
      this.signalled.add(event.id);
    }
  }

  /**
   * The DefectRateRising signals due at `now`: alarms in closed months not signalled yet, of each
   * SKU's rate (naming the batch when its rise is one batch's) and of each supplier batch.
   */
  async due(now: string): Promise<SignalToAppend[]> {
    const through = previousMonth(monthOf(now));
    const d = DEFECT_CUSUM_DEFAULTS;
    const { batchesOf, series: judged } = await this.judge(through);
    const out: SignalToAppend[] = [];
    const named = new Set<string>();
    for (const series of judged) {
      const batches = batchesOf.get(`${series.sku}\n${series.defectCode}`) ?? [];
      const first = series.months[0]?.month;
      series.months.forEach((m, i) => {
        if (!m.alarm || m.expected === null || m.referenceRate === null) return;
        const evidence = oneBatchRising(batches, series.months[i - 2]?.month ?? first, m.month);
        if (evidence)
          named.add(`${series.sku}\n${series.defectCode}\n${evidence.supplierBatch}\n${m.month}`);
        const id = uuidV5(`DefectRateRising:${series.sku}:${series.defectCode}:${m.month}`);
        if (this.signalled.has(id)) return;
        const lastReference = series.months[i - d.guardPeriods - 1];
        out.push(
          signal(id, series, m.month, {
            unitMonths: m.exposure,
            observed: m.observed,
            expected: m.expected,
            referenceRatePer1000UnitMonths: 1000 * m.referenceRate,
            referenceWindow: { from: first, to: lastReference?.month ?? first },
            statistic: m.statistic,
            scope: 'sku',
            ...(evidence ? { supplierBatch: evidence.supplierBatch, batch: evidence } : {}),
          }),
        );
      });
    }
    for (const batches of batchesOf.values()) {
      for (const b of batches) {
        const batch = b.supplierBatch as string;
        for (const m of b.months) {
          if (!m.alarm || m.expected === null) continue;
          if (named.has(`${b.sku}\n${b.defectCode}\n${batch}\n${m.month}`)) continue;
          const id = uuidV5(`DefectRateRising:${b.sku}:${b.defectCode}:${batch}:${m.month}`);
          if (this.signalled.has(id)) continue;
          const from = b.months[0].month;
          const productCategory = entryOf(this.counts.units, b.sku)?.productCategory ?? '';
          out.push(
            signal(id, { ...b, productCategory }, m.month, {
              unitMonths: m.exposure,
              observed: m.observed,
              expected: m.expected,
              referenceRatePer1000UnitMonths: m.exposure > 0 ? (1000 * m.expected) / m.exposure : 0,
              referenceWindow: { from, to: m.month },
              statistic: m.statistic,
              scope: 'batch',
              supplierBatch: batch,
              batch: batchEvidence(b, from, m.month),
            }),
          );
        }
      }
    }
    return out;
  }

  /** Remembers a signal as recorded. */
  /**
   * Every SKU's and batch's series through `through`, judged once per month and change of the
   * counts (the sweep asks every minute; all batches of a large catalogue take 100 ms or more).
   */
  private async judge(through: string): Promise<NonNullable<DefectSignalMonitor['judged']>> {
    const cached = this.judged;
    if (cached && cached.through === through && cached.version === this.version) return cached;
    const version = this.version;
    const batchesOf = new Map<string, DefectBatchSeries[]>();
    // SKU by SKU, yielding between them.
    const slice = new TimeSlice();
    for (const sku of Object.keys(this.counts.batchUnits)) {
      await slice.pause();
      for (const series of defectBatchSeries(this.counts, through, DEFECT_CUSUM_DEFAULTS, sku)) {
        if (!series.judged) continue;
        const key = `${series.sku}\n${series.defectCode}`;
        const batches = batchesOf.get(key);
        if (batches) batches.push(series);
        else batchesOf.set(key, [series]);
      }
    }
    const judged = { through, version, batchesOf, series: defectSeries(this.counts, through) };
    // Counts that changed while this yielded are judged again next time.
    if (version === this.version) this.judged = judged;
    return judged;
  }

  recorded(id: string): void {
    this.signalled.add(id);
  }
}

/** A DefectRateRising for one series and month, with the detector's settings. */
function signal(
  id: string,
  series: Pick<DefectSeries, 'sku' | 'productCategory' | 'defectCode'>,
  month: string,
  figures: Omit<
    DefectRateRising['data'],
    'sku' | 'productCategory' | 'defectCode' | 'occurredAt' | 'month' | 'threshold' | 'rateRatio'
  >,
): SignalToAppend {
  const data: DefectRateRising['data'] = {
    sku: series.sku,
    productCategory: series.productCategory,
    defectCode: series.defectCode,
    occurredAt: endOfMonth(month),
    month,
    ...figures,
    threshold: DEFECT_CUSUM_DEFAULTS.threshold,
    rateRatio: DEFECT_CUSUM_DEFAULTS.rateRatio,
  };
  return { id, type: 'DefectRateRising', data, metadata: { schemaVersion: 1, actor: 'signals' } };
}

/** A batch's defects against the other batches' at the same ages, over months from..to. */
function batchEvidence(b: DefectBatchSeries, from: string, to: string): DefectBatchEvidence {
  const months = b.months.filter((m) => m.month >= from && m.month <= to);
  return {
    supplierBatch: b.supplierBatch as string,
    unitsSold: b.unitsSold,
    from,
    to,
    observed: months.reduce((s, m) => s + m.observed, 0),
    expected: months.reduce((s, m) => s + (m.expected ?? 0), 0),
  };
}

/**
 * The batch a SKU's rise is in: the one judged batch of the SKU and code whose own CUSUM alarmed
 * in the months from..to; none when no batch or several did.
 */
function oneBatchRising(
  batches: readonly DefectBatchSeries[],
  from: string,
  to: string,
): DefectBatchEvidence | undefined {
  const rising = batches.filter((b) =>
    b.months.some((m) => m.alarm && m.month >= from && m.month <= to),
  );
  return rising.length === 1 ? batchEvidence(rising[0], from, to) : undefined;
}
