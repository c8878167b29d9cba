import { entryOf } from '@aftercare/domain';
import { type CustomerProfileState, type ProfileClaim, round2 } from '@aftercare/projections';

// Views over a customer's profile state for the API and CLI: derived at query time, not folded.

export function openClaims(state: CustomerProfileState): ProfileClaim[] {
  return Object.values(state.claims).filter(
    (c) =>
      c.outcome === 'pending' ||
      c.outcome === 'needs_review' ||
      (c.outcome === 'approved' && c.fulfilledAt === null),
  );
}

export interface AfterSalesCost {
  currency: string;
  /** Repairs the business paid (warranty or goodwill) not fulfilling a known claim. */
  repairs: number;
  refunds: number;
  /** Approved claims: the fulfilled amount, or the covered amount until fulfilled. */
  warrantyClaims: number;
  total: number;
}

/**
 * After-sales cost the business bore, per currency. A repair that fulfils a claim is counted once,
 * through the claim, so the claim's amount and the repair's cost are not added together.
 */
export function afterSalesCost(state: CustomerProfileState): Record<string, AfterSalesCost> {
  const result: Record<string, AfterSalesCost> = {};
  const entry = (currency: string): AfterSalesCost =>
    (result[currency] ??= { currency, repairs: 0, refunds: 0, warrantyClaims: 0, total: 0 });
  for (const r of state.repairs) {
    if (r.paidBy === 'customer') continue;
    if (r.warrantyClaimId && entryOf(state.claims, r.warrantyClaimId)?.outcome === 'approved') {
      continue;
    }
    entry(r.currency).repairs += r.cost;
  }
  for (const r of Object.values(state.returns)) {
    if (r.refundAmount > 0 && r.currency) entry(r.currency).refunds += r.refundAmount;
  }
  for (const c of Object.values(state.claims)) {
    if (c.outcome !== 'approved' || !c.currency) continue;
    entry(c.currency).warrantyClaims += c.fulfilledAmount ?? c.coveredAmount;
  }
  for (const e of Object.values(result)) {
    e.repairs = round2(e.repairs);
    e.refunds = round2(e.refunds);
    e.warrantyClaims = round2(e.warrantyClaims);
    e.total = round2(e.repairs + e.refunds + e.warrantyClaims);
  }
  return result;
}

/** Claims the customer has, by id: the warranty streams an as-of replay must also read. */
export function claimIdsOf(state: CustomerProfileState): string[] {
  const ids = new Set(Object.keys(state.claims));
  for (const r of state.repairs) if (r.warrantyClaimId) ids.add(r.warrantyClaimId);
  return [...ids].sort();
}
