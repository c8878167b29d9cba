import {
  type CustomerProfileState,
  defectCountsFrom,
  type DefectReport,
  defectReport,
  type WarrantyClaimState,
} from '@aftercare/projections';
import { TimeSlice } from '@aftercare/read-models';

/**
 * The R&D defect report (docs/defects.md) from the read models, for the API and the CLI. The
 * batch breakdown judges every batch of every SKU (about 100 ms of CPU for a 26-SKU catalogue),
 * so it is built SKU by SKU, yielding to the event loop between them.
 */
export async function defectReportOf(
  profiles: readonly CustomerProfileState[],
  claims: readonly WarrantyClaimState[],
  asOf: string,
  options: { sku?: string; byBatch?: boolean },
): Promise<DefectReport> {
  const counts = defectCountsFrom(profiles, claims);
  if (!options.byBatch || options.sku !== undefined) return defectReport(counts, asOf, options);
  const slice = new TimeSlice();
  const whole = defectReport(counts, asOf);
  const skus: DefectReport['skus'] = [];
  for (const row of whole.skus) {
    await slice.pause();
    skus.push(...defectReport(counts, asOf, { sku: row.sku, byBatch: true }).skus);
  }
  return { ...whole, skus };
}
