import { DEFECT_CUSUM_DEFAULTS } from '@aftercare/analytics';
import type { EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import {
  addDefect,
  addUnit,
  type DefectCounts,
  defectSeries,
  emptyDefectCounts,
  monthOf,
  previousMonth,
} from '@aftercare/projections';
import { TimeSlice } from '@aftercare/read-models';
import { uuidV5 } from '../write/event-ids';
import { DEFECT_SIGNAL_STREAM, type DefectRateRising } from './signal.events';
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
  private signalled = new Set<string>();

  reset(): void {
    this.counts = emptyDefectCounts();
    this.skuOf.clear();
    this.signalled.clear();
  }

  /** Counts one event (others are ignored). */
  note(event: RecordedEvent): void {
    const d = event.data as Record<string, unknown> | null;
    if (!d || typeof d.occurredAt !== 'string') return;
    const at = d.occurredAt;
    if (event.type === 'PurchaseRecorded') {
      const { purchaseId, sku, productCategory, serialNumber } = d as {
        purchaseId: string;
        sku: string;
        productCategory: string;
        serialNumber?: string;
      };
      this.skuOf.set(purchaseId, sku);
      if (serialNumber) addUnit(this.counts, sku, productCategory, at);
    } else if (event.type === 'WarrantyClaimFiled') {
      const { purchaseId, defect } = d as { purchaseId: string; defect?: { code?: string } };
      const sku = this.skuOf.get(purchaseId);
      if (sku && defect?.code) addDefect(this.counts, sku, defect.code, at);
    } else if (event.type === 'RepairCompleted') {
      const r = d as { purchaseId: string; defectCode: string; warrantyClaimId?: string };
      const sku = this.skuOf.get(r.purchaseId);
      if (sku && r.warrantyClaimId === undefined) addDefect(this.counts, sku, r.defectCode, at);
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

  /** The DefectRateRising signals due at `now`: alarms in closed months not signalled yet. */
  due(now: string): SignalToAppend[] {
    const through = previousMonth(monthOf(now));
    const out: SignalToAppend[] = [];
    for (const series of defectSeries(this.counts, through)) {
      const first = series.months[0]?.month;
      series.months.forEach((m, i) => {
        if (!m.alarm || m.expected === null || m.referenceRate === null) return;
        const id = uuidV5(`DefectRateRising:${series.sku}:${series.defectCode}:${m.month}`);
        if (this.signalled.has(id)) return;
        const lastReference = series.months[i - DEFECT_CUSUM_DEFAULTS.guardPeriods - 1];
        const data: DefectRateRising['data'] = {
          sku: series.sku,
          productCategory: series.productCategory,
          defectCode: series.defectCode,
          occurredAt: endOfMonth(m.month),
          month: m.month,
          unitMonths: m.exposure,
          observed: m.observed,
          expected: m.expected,
          referenceRatePer1000UnitMonths: 1000 * m.referenceRate,
          referenceWindow: { from: first, to: lastReference?.month ?? first },
          statistic: m.statistic,
          threshold: DEFECT_CUSUM_DEFAULTS.threshold,
          rateRatio: DEFECT_CUSUM_DEFAULTS.rateRatio,
        };
        out.push({
          id,
          type: 'DefectRateRising',
          data,
          metadata: { schemaVersion: 1, actor: 'signals' },
        });
      });
    }
    return out;
  }

  /** Remembers a signal as recorded. */
  recorded(id: string): void {
    this.signalled.add(id);
  }
}
