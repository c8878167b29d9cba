import { DEFECT_CUSUM_DEFAULTS } from '@aftercare/analytics';
import { defectBatchSeries, MIN_BATCH_UNITS } from './defect-batches';
import { addDefect, addUnit, type DefectCounts, emptyDefectCounts } from './defect-rates';

const month = (m: number): string =>
  `${2023 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;
const at = (m: number): string => `${month(m)}-10T10:00:00.000Z`;

/**
 * A SKU sold for 24 months, 200 units a month on each of two lines, a new lot every six months
 * (`H<half>-A`, `H<half>-B`). Units fail mostly in their first month (infant mortality, 5%),
 * then at 0.5% a month: a young lot has many more defects per unit-month than the SKU's pooled
 * rate without being any worse. `worse` multiplies one lot's first-month failures.
 */
function world(worse?: { lot: string; factor: number }): DefectCounts {
  const counts = emptyDefectCounts();
  for (let sold = 0; sold < 24; sold++) {
    for (const line of ['A', 'B']) {
      const lot = `H${Math.floor(sold / 6) + 1}-${line}`;
      for (let i = 0; i < 200; i++) addUnit(counts, 'WM-1', 'appliances', at(sold), lot);
      const unit = { supplierBatch: lot, soldAt: at(sold) };
      for (let m = sold; m < 24; m++) {
        const first = m === sold ? (worse?.lot === lot ? worse.factor : 1) * 10 : 0;
        const failures = first + (m > sold ? 1 : 0);
        for (let k = 0; k < failures; k++) addDefect(counts, 'WM-1', 'E1', at(m), unit);
      }
    }
  }
  // A few units recorded without a batch, and a lot too small to judge.
  for (let i = 0; i < 30; i++) addUnit(counts, 'WM-1', 'appliances', at(3));
  for (let i = 0; i < MIN_BATCH_UNITS - 1; i++) {
    addUnit(counts, 'WM-1', 'appliances', at(5), 'TINY');
  }
  return counts;
}

const alarmed = (counts: DefectCounts): string[] =>
  defectBatchSeries(counts, month(23), DEFECT_CUSUM_DEFAULTS)
    .filter((s) => s.months.some((m) => m.alarm))
    .map((s) => String(s.supplierBatch));

describe('defect rates by supplier batch', () => {
  it('judges each lot against the other lots at the same unit age: young lots are not flagged', () => {
    expect(alarmed(world())).toEqual([]);
  });

  it('flags the lot whose units fail three times as often, and only that lot', () => {
    expect(alarmed(world({ lot: 'H3-A', factor: 3 }))).toEqual(['H3-A']);
  });

  it('counts units without a batch and small lots, and judges neither', () => {
    const series = defectBatchSeries(world(), month(23), DEFECT_CUSUM_DEFAULTS);
    const none = series.find((s) => s.supplierBatch === null)!;
    const tiny = series.find((s) => s.supplierBatch === 'TINY')!;
    expect(none).toMatchObject({ unitsSold: 30, judged: false });
    expect(tiny).toMatchObject({ unitsSold: MIN_BATCH_UNITS - 1, judged: false });
    expect([...none.months, ...tiny.months].every((m) => m.expected === null)).toBe(true);
    const judged = series.find((s) => s.supplierBatch === 'H1-A')!;
    expect(judged).toMatchObject({ unitsSold: 1200, judged: true });
  });
});
