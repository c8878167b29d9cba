import {
  type BgNbdParams,
  type ChurnBand,
  type ChurnFactor,
  type CustomerSummary,
  type GammaGammaParams,
  bgNbdConditionalExpectedTransactions,
  bgNbdProbabilityAlive,
  discountedExpectedTransactions,
  gammaGammaConditionalExpectedValue,
  BASE_FACTORS,
  purchaseProcessRisk,
  realizedNetValue,
  scoreChurn,
  summarizeTransactions,
} from '@aftercare/analytics';
import { addMonthsToMillis, DEFAULT_JURISDICTIONS, entryOf, toIso } from '@aftercare/domain';
import {
  churnExperience,
  type ChurnIncidentsState,
  type ClvModelFittedData,
  type CustomerProfileState,
  type MaintenancePlanHolding,
  type ProductHolding,
  type ProfileClaim,
  mainCurrency,
  openComplaints,
  purchaseTransactions,
  DAY_MS,
  dayOf,
  ms,
  type SatisfactionLevel,
  type SatisfactionMetrics,
  type SatisfactionStateData,
  satisfactionMetrics,
  satisfactionState,
  type WarrantyPolicyState,
  coverageMonths,
  versionInForce,
} from '@aftercare/projections';
import { type AfterSalesCost, afterSalesCost, openClaims } from './customer-profile.queries';

/**
 * The customer as an agent or analyst sees them at `now`: the profile, the satisfaction state
 * with its reasons, churn risk with its factors, and CLV from the population fit. Everything that
 * depends on time is computed here from the folded states and the given `now`, so an as-of view
 * is the same computation on states folded up to that date.
 */

export interface ClvFitRef {
  id: string;
  fittedAt: string;
  window: { from: string; to: string };
  currency: string;
  params: { bgNbd: BgNbdParams; gammaGamma: GammaGammaParams };
}

export interface CustomerClvView {
  currency: string;
  pAlive: number;
  expectedPurchases: number;
  expectedAverageValue: number;
  clv: number;
  horizonWeeks: number;
  discountRate: number;
  /** Revenue minus the after-sales cost the business bore, in `currency`. */
  realizedNetValue: number;
  rfm: { x: number; tx: number; T: number; monetary: number };
  fit: ClvFitRef;
}

export interface ProductView extends ProductHolding {
  returnWindowEndsAt: string;
  warranty: {
    /** The commercial policy in force at `now` (a claim filed now is decided under it). */
    commercialPolicyVersion: number | null;
    commercialEndsAt: string | null;
    legalGuaranteeEndsAt: string | null;
    coveredNow: boolean;
    /**
     * `unknown` when nothing covers the product at `now` but the commercial terms are not known
     * (no version of its policy in force then): not covered is not claimed without the facts.
     */
    coverage: 'covered' | 'not_covered' | 'unknown';
  };
}

export interface CustomerView {
  customerId: string;
  now: string;
  registeredAt: string | null;
  contact: { name: string; email: string } | null;
  piiErased: boolean;
  jurisdiction: string | null;
  countryCode: string | null;
  segment: string | null;
  lastInteraction: { type: string; at: string; daysAgo: number } | null;
  purchases: {
    count: number;
    revenueByCurrency: Record<string, number>;
    firstAt: string | null;
    lastAt: string | null;
    daysSinceLast: number | null;
  };
  products: ProductView[];
  openComplaints: {
    complaintId: string;
    category: string;
    severity: string;
    filedAt: string;
    acknowledgedAt: string | null;
    ageDays: number;
  }[];
  openClaims: ProfileClaim[];
  activeMaintenancePlans: MaintenancePlanHolding[];
  referrals: number;
  afterSalesCost: AfterSalesCost[];
  satisfaction: { state: SatisfactionLevel; reasons: string[]; metrics: SatisfactionMetrics };
  churnRisk: {
    probability: number;
    band: ChurnBand;
    factors: readonly ChurnFactor[];
    /**
     * The purchase-process probability alive the score starts from. With a fit that carries the
     * MBG/NBD (the model `churn evaluate` measures): P(alive at now + horizonWeeks) =
     * P(alive now) x P(alive then | alive now). With an older fit: the BG/NBD P(alive now).
     */
    pAlive: number;
    purchaseModel: 'mbg-nbd' | 'bg-nbd';
    /** Weeks ahead pAlive refers to: the CLV horizon for the MBG/NBD, 0 for the BG/NBD. */
    horizonWeeks: number;
    /**
     * Where the experience weights come from: `learned` from the store's history by the fit
     * `weightsFitId` (its `churnWeights`, training window `trainingWindow`), or the fixed
     * `a_priori` ones (docs/churn.md) when the fit has none.
     */
    weightsSource: 'learned' | 'a_priori';
    /**
     * The experience factors read, chosen with the learned weights by the store's own backtest
     * (docs/churn.md): e.g. 'factors+pooled/180d'; 'factors' (the base factors) for a-priori weights.
     */
    structure: string;
    weightsFitId: string | null;
    trainingWindow: { from: string; to: string } | null;
  } | null;
  clv: CustomerClvView | null;
  /** Why churnRisk or clv is null. */
  unavailable: { churnRisk?: string; clv?: string };
}

export interface CustomerViewInput {
  profile: CustomerProfileState;
  satisfaction: SatisfactionStateData;
  /** The incident log churn risk reads (absent: no incident beyond the base factors). */
  incidents?: ChurnIncidentsState;
  now: string;
  fit: ClvModelFittedData | null;
  /** Warranty policies by id, for commercial coverage; legal guarantees need none. */
  policies?: Readonly<Record<string, WarrantyPolicyState>>;
  horizonWeeks?: number;
  discountRate?: number;
}

const days = (from: string, to: string): number => Math.floor((ms(to) - ms(from)) / DAY_MS);

export function clvFitRef(fit: ClvModelFittedData): ClvFitRef {
  return {
    id: fit.fitId,
    fittedAt: fit.occurredAt,
    window: fit.window,
    currency: fit.currency,
    params: { bgNbd: fit.bgNbd.params, gammaGamma: fit.gammaGamma.params },
  };
}

/** The customer's RFM summary at `now` in one currency, or undefined before any purchase. */
export function rfmAt(
  profile: CustomerProfileState,
  now: string,
  currency: string | null = mainCurrency(profile),
): CustomerSummary | undefined {
  return summarizeTransactions(purchaseTransactions(profile, currency), dayOf(now))[0];
}

function productView(
  product: ProductHolding,
  jurisdiction: string | null,
  now: string,
  /** `now` in epoch milliseconds, read once for all of a view's products. */
  at: number,
  policies: Readonly<Record<string, WarrantyPolicyState>> | undefined,
): ProductView {
  // The start read once: three dates count from it.
  const start = ms(product.deliveredAt ?? product.purchasedAt);
  const rules = jurisdiction ? DEFAULT_JURISDICTIONS[jurisdiction] : undefined;
  const legalEnd =
    rules && rules.legalGuaranteeMonths > 0
      ? addMonthsToMillis(start, rules.legalGuaranteeMonths)
      : undefined;
  const policy = policies && entryOf(policies, product.warrantyPolicyId);
  const version = policy ? versionInForce(policy, now) : undefined;
  const commercialEnd = version
    ? addMonthsToMillis(start, coverageMonths(version.terms, product.productCategory))
    : undefined;
  const coveredNow =
    product.returned !== 'refund' &&
    ((commercialEnd !== undefined && at <= commercialEnd) ||
      (legalEnd !== undefined && at <= legalEnd));
  const coverage = coveredNow
    ? 'covered'
    : product.returned !== 'refund' && version === undefined
      ? 'unknown'
      : 'not_covered';
  // Every field written out, not `{ ...product, returnWindowEndsAt, warranty }`: V8 (Node 20)
  // adds a key to a spread copy on a slow path, about 1.2 us per key, and a customer view does it
  // for each product (75 products: 535-650 us of a view's CPU). `Required` keeps the list whole.
  const view: Required<ProductView> = {
    purchaseId: product.purchaseId,
    orderId: product.orderId,
    sku: product.sku,
    productCategory: product.productCategory,
    serialNumber: product.serialNumber,
    // Profiles folded before batches were recorded have no key (no rebuild needed: null is right).
    supplierBatch: product.supplierBatch ?? null,
    price: product.price,
    currency: product.currency,
    channel: product.channel,
    purchasedAt: product.purchasedAt,
    deliveredAt: product.deliveredAt,
    warrantyPolicyId: product.warrantyPolicyId,
    returnWindowDays: product.returnWindowDays,
    returned: product.returned,
    returnWindowEndsAt: toIso(start + product.returnWindowDays * DAY_MS),
    warranty: {
      commercialPolicyVersion: version?.version ?? null,
      commercialEndsAt: commercialEnd === undefined ? null : toIso(commercialEnd),
      legalGuaranteeEndsAt: legalEnd === undefined ? null : toIso(legalEnd),
      coveredNow,
      coverage,
    },
  };
  return view;
}

function clvFigures(
  fit: ClvModelFittedData,
  profile: CustomerProfileState,
  rfm: NonNullable<ReturnType<typeof rfmAt>>,
  cost: AfterSalesCost | undefined,
  horizonWeeks: number,
  discountRate: number,
): CustomerClvView {
  const bg = fit.bgNbd.params;
  const expectedAverageValue = gammaGammaConditionalExpectedValue(fit.gammaGamma.params, rfm);
  const discounted = discountedExpectedTransactions(bg, rfm, {
    horizonWeeks,
    annualDiscountRate: discountRate,
  });
  return {
    currency: fit.currency,
    pAlive: bgNbdProbabilityAlive(bg, rfm),
    expectedPurchases: bgNbdConditionalExpectedTransactions(bg, rfm, horizonWeeks),
    expectedAverageValue,
    clv: Math.round(expectedAverageValue * discounted * 100) / 100,
    horizonWeeks,
    discountRate,
    realizedNetValue:
      Math.round(
        realizedNetValue({
          revenue: profile.revenueByCurrency[fit.currency] ?? 0,
          repairCosts: (cost?.repairs ?? 0) + (cost?.warrantyClaims ?? 0),
          refunds: cost?.refunds ?? 0,
        }) * 100,
      ) / 100,
    rfm: { x: rfm.x, tx: rfm.tx, T: rfm.T, monetary: rfm.monetary },
    fit: clvFitRef(fit),
  };
}

/** What the customer's scores are at `now`: the part of the view the signals and the score index read. */
export type CustomerAssessment = Pick<CustomerView, 'churnRisk' | 'clv' | 'unavailable'> & {
  satisfaction: { state: SatisfactionLevel; reasons: string[] };
};

/**
 * The satisfaction verdict, churn risk and CLV at `now`, without the rest of the view (products,
 * complaints, costs by currency): what is computed for every event while the signal processor
 * catches up, so it stays as small as the scores need.
 */
export function customerAssessment(
  input: CustomerViewInput,
  costs: Record<string, AfterSalesCost> = afterSalesCost(input.profile),
): CustomerAssessment {
  const { profile, satisfaction, now, fit } = input;
  const unavailable: CustomerView['unavailable'] = {};

  let clv: CustomerClvView | null = null;
  let pAlive: number | null = null;
  let purchaseProcess: {
    pAlive: number;
    model: 'mbg-nbd' | 'bg-nbd';
    horizonWeeks: number;
  } | null = null;
  if (!fit) {
    unavailable.clv = 'no CLV model has been fitted yet (run `clv refit`)';
  } else {
    const rfm = rfmAt(profile, now, fit.currency);
    const refusal = fit.bgNbd.refusal ?? fit.gammaGamma.refusal;
    if (!rfm || profile.revenueByCurrency[fit.currency] === undefined) {
      unavailable.clv = `no purchase in ${fit.currency} by ${dayOf(now)}`;
    } else {
      const horizonWeeks = input.horizonWeeks ?? fit.horizonWeeks;
      const discountRate = input.discountRate ?? fit.annualDiscountRate;
      // A degenerate fit (e.g. on a tiny population) can push the special functions out of
      // range: the view still answers, without that model's figures and with the reason.
      if (refusal !== undefined) {
        unavailable.clv = `CLV model ${fit.fitId} is not used: ${refusal}`;
      } else {
        try {
          clv = clvFigures(fit, profile, rfm, costs[fit.currency], horizonWeeks, discountRate);
          pAlive = clv.pAlive;
        } catch (error) {
          unavailable.clv = `CLV model ${fit.fitId} cannot score this customer: ${(error as Error).message}`;
        }
      }
      // Churn risk's purchase process: the MBG/NBD at the horizon, as in `churn evaluate`.
      try {
        if (fit.mbgNbd?.refusal !== undefined && pAlive === null) {
          unavailable.churnRisk = `purchase model ${fit.fitId} is not used: ${fit.mbgNbd.refusal}`;
        }
        purchaseProcess =
          fit.mbgNbd && fit.mbgNbd.refusal === undefined
            ? {
                pAlive: purchaseProcessRisk(fit.mbgNbd.params, rfm, horizonWeeks).pAliveAtHorizon,
                model: 'mbg-nbd',
                horizonWeeks,
              }
            : pAlive === null
              ? null
              : { pAlive, model: 'bg-nbd', horizonWeeks: 0 };
      } catch (error) {
        unavailable.churnRisk = `purchase model ${fit.fitId} cannot score this customer: ${(error as Error).message}`;
      }
    }
  }

  let churnRisk: CustomerView['churnRisk'] = null;
  if (purchaseProcess === null) {
    unavailable.churnRisk ??= `needs probability alive: ${unavailable.clv}`;
  } else {
    const learned = fit?.churnWeights;
    const score = scoreChurn({
      pAlive: purchaseProcess.pAlive,
      experience: churnExperience(profile, satisfaction, now, input.incidents),
      weights: learned?.weights,
      structure: learned?.structure,
    });
    churnRisk = {
      probability: score.probability,
      band: score.band,
      factors: score.factors,
      pAlive: purchaseProcess.pAlive,
      purchaseModel: purchaseProcess.model,
      horizonWeeks: purchaseProcess.horizonWeeks,
      weightsSource: learned ? 'learned' : 'a_priori',
      structure: (learned?.structure ?? BASE_FACTORS).name,
      weightsFitId: learned && fit ? fit.fitId : null,
      trainingWindow: learned?.trainingWindow ?? null,
    };
  }

  return { satisfaction: satisfactionState(satisfaction, now), churnRisk, clv, unavailable };
}

export function customerView(input: CustomerViewInput): CustomerView {
  const { profile, satisfaction, now } = input;
  const costs = afterSalesCost(profile);
  const { satisfaction: verdict, churnRisk, clv, unavailable } = customerAssessment(input, costs);
  const nowMs = ms(now);
  return {
    customerId: profile.customerId,
    now,
    registeredAt: profile.registeredAt,
    contact: profile.piiErased ? null : profile.contact,
    piiErased: profile.piiErased,
    jurisdiction: profile.jurisdiction,
    countryCode: profile.countryCode,
    segment: profile.segment,
    lastInteraction: profile.lastInteraction
      ? { ...profile.lastInteraction, daysAgo: days(profile.lastInteraction.at, now) }
      : null,
    purchases: {
      count: profile.purchaseCount,
      revenueByCurrency: profile.revenueByCurrency,
      firstAt: profile.firstPurchaseAt,
      lastAt: profile.lastPurchaseAt,
      daysSinceLast: profile.lastPurchaseAt ? days(profile.lastPurchaseAt, now) : null,
    },
    products: profile.products.map((p) =>
      productView(p, profile.jurisdiction, now, nowMs, input.policies),
    ),
    openComplaints: openComplaints(profile).map((c) => ({
      complaintId: c.complaintId,
      category: c.category,
      severity: c.severity,
      filedAt: c.filedAt,
      acknowledgedAt: c.acknowledgedAt,
      ageDays: days(c.filedAt, now),
    })),
    openClaims: openClaims(profile),
    activeMaintenancePlans: Object.values(profile.maintenancePlans).filter(
      (p) => p.cancelledAt === null,
    ),
    referrals: profile.referrals,
    afterSalesCost: Object.values(costs),
    satisfaction: { ...verdict, metrics: satisfactionMetrics(satisfaction) },
    churnRisk,
    clv,
    unavailable,
  };
}
