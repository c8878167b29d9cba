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

export type SignalEvent =
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
