import type { ChurnBand, ChurnFactor } from '@aftercare/analytics';
import type { ComplaintSeverity, DomainEvent, IsoDateTime } from '@aftercare/domain';
import type { SatisfactionLevel } from '@aftercare/projections';

/**
 * Derived lifecycle signals: facts about a customer that services would rather subscribe to than
 * compute (a churn band moved, satisfaction changed, a complaint missed its target, a claim went
 * to review). The signal processor records them in `signal-<customerId>`, so they are replayable
 * and resumable like any other event. Every signal's metadata names the event that caused it.
 */

export const SIGNAL_STREAM_CATEGORY = 'signal';
export const signalStreamId = (customerId: string): string =>
  `${SIGNAL_STREAM_CATEGORY}-${customerId}`;

export type ChurnBandChanged = DomainEvent<
  'ChurnBandChanged',
  {
    customerId: string;
    occurredAt: IsoDateTime;
    /** null when the customer had no churn score yet (no CLV fit, or no purchase in its currency). */
    from: ChurnBand | null;
    to: ChurnBand;
    probability: number;
    factors: readonly ChurnFactor[];
  }
>;

export type SatisfactionStateChanged = DomainEvent<
  'SatisfactionStateChanged',
  {
    customerId: string;
    occurredAt: IsoDateTime;
    from: SatisfactionLevel;
    to: SatisfactionLevel;
    reasons: string[];
  }
>;

export interface ComplaintTargetBreachData {
  customerId: string;
  complaintId: string;
  severity: ComplaintSeverity;
  filedAt: IsoDateTime;
  targetHours: number;
  /** The deadline that passed: filedAt + targetHours. */
  breachedAt: IsoDateTime;
  /** When the breach was noticed: the revealing event's business time, or the sweep's clock. */
  occurredAt: IsoDateTime;
}

export type ComplaintAcknowledgementTargetBreached = DomainEvent<
  'ComplaintAcknowledgementTargetBreached',
  ComplaintTargetBreachData
>;

export type ComplaintResolutionTargetBreached = DomainEvent<
  'ComplaintResolutionTargetBreached',
  ComplaintTargetBreachData
>;

export type WarrantyClaimReferredForReview = DomainEvent<
  'WarrantyClaimReferredForReview',
  {
    customerId: string;
    claimId: string;
    occurredAt: IsoDateTime;
    /** Explanations of the rules whose effect sent the claim to review. */
    reasons: string[];
  }
>;

/**
 * A product's defect rate is rising (docs/defects.md): the Poisson CUSUM of one SKU and defect
 * code crossed its threshold at the end of a month. Recorded in `signal-_defects` (no customer
 * id can start with '_'), with the evidence.
 */
export type DefectRateRising = DomainEvent<
  'DefectRateRising',
  {
    sku: string;
    productCategory: string;
    defectCode: string;
    /** The end of the month judged: when the evidence was complete. */
    occurredAt: IsoDateTime;
    /** The month judged (YYYY-MM). */
    month: string;
    /** Units in service over the month (unit-months). */
    unitMonths: number;
    observed: number;
    /** Defects expected at the reference rate. */
    expected: number;
    /** Reference rate per 1,000 unit-months, from the months before the guard. */
    referenceRatePer1000UnitMonths: number;
    /** Months of the reference window (from the SKU's first month to before the guard). */
    referenceWindow: { from: string; to: string };
    statistic: number;
    threshold: number;
    /** The rate increase the detector is tuned to (ratio). */
    rateRatio: number;
    /**
     * 'sku' (absent in signals recorded before batches): the SKU's rate against its own past.
     * 'batch': one supplier batch against the SKU's other batches at the same unit ages; the
     * figures above are then the batch's, and the reference window the months compared.
     */
    scope?: 'sku' | 'batch';
    /** The supplier batch the rise is in: a batch signal's, or the one batch a SKU's rise is in. */
    supplierBatch?: string;
    /** That batch's evidence over the months it covers. */
    batch?: DefectBatchEvidence;
  }
>;

/** A supplier batch's defects against those of the SKU's other batches at the same unit ages. */
export type DefectBatchEvidence = {
  supplierBatch: string;
  unitsSold: number;
  /** The months the figures cover (YYYY-MM, inclusive). */
  from: string;
  to: string;
  observed: number;
  expected: number;
};

export const DEFECT_SIGNAL_STREAM = `${SIGNAL_STREAM_CATEGORY}-_defects`;

export type SignalEvent =
  | DefectRateRising
  | ChurnBandChanged
  | SatisfactionStateChanged
  | ComplaintAcknowledgementTargetBreached
  | ComplaintResolutionTargetBreached
  | WarrantyClaimReferredForReview;

export type SignalType = SignalEvent['type'];

export const SIGNAL_TYPES: readonly SignalType[] = [
  'ChurnBandChanged',
  'SatisfactionStateChanged',
  'ComplaintAcknowledgementTargetBreached',
  'ComplaintResolutionTargetBreached',
  'WarrantyClaimReferredForReview',
];
