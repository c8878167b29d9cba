import type { DomainEvent, IsoDateTime } from './domain-event';

/**
 * Warranty policy stream `warrantyPolicy-<policyId>`: each version of a commercial warranty
 * policy, so the terms in force at any decision can be shown.
 *
 * Exception to the catalogue rule: policy events carry no `customerId` (a policy belongs to no
 * customer); they carry `policyId` and `occurredAt` instead.
 */

/** In their legal order: repair or replacement first, then price reduction or a refund. */
export const WARRANTY_REMEDIES = ['repair', 'replace', 'price_reduction', 'refund'] as const;
export type WarrantyRemedy = (typeof WARRANTY_REMEDIES)[number];

export const DEFECT_CAUSES = [
  'manufacturing',
  'accidental_damage',
  'misuse',
  'unauthorised_repair',
  'wear',
  'unknown',
] as const;
export type DefectCause = (typeof DEFECT_CAUSES)[number];

/** Causes a commercial policy may exclude. */
export const EXCLUDABLE_CAUSES = [
  'accidental_damage',
  'misuse',
  'unauthorised_repair',
  'wear',
] as const;
export type ExcludableCause = (typeof EXCLUDABLE_CAUSES)[number];

/** First rule whose `maxAgeDays` is at least the product's age (days since delivery, or purchase). */
export type RemedyRule = {
  maxAgeDays: number;
  remedy: WarrantyRemedy;
};

export type WarrantyPolicyTerms = {
  /** Commercial coverage, in months from delivery (or purchase while undelivered). */
  coverageMonths: {
    default: number;
    /** Keyed by PurchaseRecorded.productCategory. */
    byCategory: Record<string, number>;
  };
  exclusions: ExcludableCause[];
  requireProofOfPurchase: boolean;
  /**
   * Number of earlier claims on one serial after which a new claim goes to review
   * (earlier claims >= threshold -> needs_review). `null` disables the rule.
   */
  repeatClaimThreshold: number | null;
  /** Evaluated in order; the first match wins. */
  remedyRules: RemedyRule[];
  /** When no remedy rule matches. */
  defaultRemedy: WarrantyRemedy;
  /** Cap on the covered amount under commercial cover, as a share of the price (0..1). */
  maxCoveredAmountRatio: number;
};

export type WarrantyPolicyPublished = DomainEvent<
  'WarrantyPolicyPublished',
  {
    policyId: string;
    /** 1, 2, 3, ... with no gaps. */
    version: number;
    /** From this instant the version is the one in force (until a later version's). */
    effectiveFrom: IsoDateTime;
    occurredAt: IsoDateTime;
    name: string;
    terms: WarrantyPolicyTerms;
    publishedBy?: string;
  }
>;

export type WarrantyPolicyEvent = WarrantyPolicyPublished;
export type WarrantyPolicyEventType = WarrantyPolicyEvent['type'];

export const WARRANTY_POLICY_EVENT_TYPES = [
  'WarrantyPolicyPublished',
] as const satisfies readonly WarrantyPolicyEventType[];

export const WARRANTY_POLICY_STREAM_CATEGORY = 'warrantyPolicy';
export const warrantyPolicyStreamId = (policyId: string): string =>
  `${WARRANTY_POLICY_STREAM_CATEGORY}-${policyId}`;

/** One published version, as the engine needs it. */
export type WarrantyPolicyVersion = {
  policyId: string;
  version: number;
  effectiveFrom: IsoDateTime;
  terms: WarrantyPolicyTerms;
};

export function isWarrantyPolicyEvent(event: { type: string }): event is WarrantyPolicyEvent {
  return (WARRANTY_POLICY_EVENT_TYPES as readonly string[]).includes(event.type);
}
