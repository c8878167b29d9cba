import type { ChurnBand } from '@aftercare/analytics';
import {
  type ChurnIncidentsState,
  clvModelProjection,
  type ClvModelFittedData,
  type CustomerProfileState,
  mainCurrency,
  openComplaints,
  type SatisfactionLevel,
  type SatisfactionStateData,
} from '@aftercare/projections';
import type { CustomerScoreRow, ReadModelStore } from '@aftercare/read-models';
import { customerAssessment } from '../queries/customer-view';

/** One customer as the list shows them: what an analyst picks whom to call from. */
export interface CustomerListItem {
  customerId: string;
  name: string | null;
  satisfaction: SatisfactionLevel;
  churnRisk: { probability: number; band: ChurnBand } | null;
  clv: { clv: number; pAlive: number; currency: string } | null;
  /** Churn probability × CLV: what the business stands to lose, in the CLV's currency. */
  valueAtRisk: { amount: number; currency: string } | null;
  segment: string | null;
  countryCode: string | null;
  purchases: number;
  lastPurchaseAt: string | null;
  lastInteractionAt: string | null;
  openComplaints: number;
  /** The "now" the churn risk and CLV were computed at. */
  scoredAt: string;
}

/** The latest CLV fit of each currency as known at `at`, newest first. */
export async function latestFits(
  readModels: Pick<ReadModelStore, 'list'>,
  at: string,
): Promise<ClvModelFittedData[]> {
  const page = await readModels.list<ClvModelFittedData | null>(clvModelProjection.name, {
    where: [{ column: 'fittedAt', op: '<=', value: new Date(at).toISOString() }],
    orderBy: 'fittedAt',
    direction: 'desc',
    limit: 50,
  });
  return page.items.flatMap((item) => (item.state ? [item.state] : []));
}

/** The fit a customer is scored with: the latest in their main currency (any, before a purchase). */
export function fitFor(
  fits: readonly ClvModelFittedData[],
  profile: CustomerProfileState,
): ClvModelFittedData | null {
  const currency = mainCurrency(profile);
  return fits.find((fit) => !currency || fit.currency === currency) ?? null;
}

/** Identifies the fits a pass scored with: a refit changes it. */
export function fitsKey(fits: readonly ClvModelFittedData[]): string {
  const latest = new Map<string, string>();
  for (const fit of fits) if (!latest.has(fit.currency)) latest.set(fit.currency, fit.fitId);
  return [...latest]
    .map(([currency, fitId]) => `${currency}:${fitId}`)
    .sort()
    .join(',');
}

const instant = (value: string | null): string | null =>
  value === null ? null : new Date(value).toISOString();
const cents = (value: number): number => Math.round(value * 100) / 100;

/** The customer's index row at `now`: the same figures their profile view shows then. */
export function scoreCustomer(
  profile: CustomerProfileState,
  satisfaction: SatisfactionStateData,
  fit: ClvModelFittedData | null,
  now: string,
  incidents?: ChurnIncidentsState,
): CustomerScoreRow {
  // The scores only, not the whole view: a view also works out every product's warranty cover,
  // which cost a purchase write an eighth of its CPU once a customer held dozens of products.
  const assessed = customerAssessment({ profile, satisfaction, incidents, now, fit });
  const churnRisk = assessed.churnRisk
    ? { probability: assessed.churnRisk.probability, band: assessed.churnRisk.band }
    : null;
  const clv = assessed.clv
    ? { clv: assessed.clv.clv, pAlive: assessed.clv.pAlive, currency: assessed.clv.currency }
    : null;
  const valueAtRisk =
    churnRisk && clv
      ? { amount: cents(churnRisk.probability * clv.clv), currency: clv.currency }
      : null;
  const item: CustomerListItem = {
    customerId: profile.customerId,
    name: profile.piiErased ? null : (profile.contact?.name ?? null),
    satisfaction: assessed.satisfaction.state,
    churnRisk,
    clv,
    valueAtRisk,
    segment: profile.segment,
    countryCode: profile.countryCode,
    purchases: profile.purchaseCount,
    lastPurchaseAt: profile.lastPurchaseAt,
    lastInteractionAt: profile.lastInteraction?.at ?? null,
    openComplaints: openComplaints(profile).length,
    scoredAt: now,
  };
  const products = new Set<string>();
  for (const p of profile.products) products.add(p.sku).add(p.productCategory);
  return {
    key: profile.customerId,
    churnBand: churnRisk?.band ?? null,
    churnRisk: churnRisk?.probability ?? null,
    clv: clv?.clv ?? null,
    currency: clv?.currency ?? mainCurrency(profile),
    valueAtRisk: valueAtRisk?.amount ?? null,
    satisfaction: item.satisfaction,
    segment: profile.segment,
    country: profile.countryCode,
    lastInteractionAt: instant(item.lastInteractionAt),
    lastPurchaseAt: instant(item.lastPurchaseAt),
    revenue: Math.max(0, ...Object.values(profile.revenueByCurrency)),
    products: [...products],
    scoredAt: now,
    item,
  };
}
