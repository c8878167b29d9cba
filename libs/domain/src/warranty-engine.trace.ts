import type { IsoDateTime } from './domain-event';
import { toMillis } from './time';
import {
  RULE_IDS_V2,
  type Assessment,
  type RuleEffect,
  type RuleInputValue,
  type RuleResult,
  type RuleTraceEntry,
  type WarrantyDecisionFacts,
} from './warranty-claim.events';
import { entryOf } from './records';

/**
 * The warranty engine's rule trace: what each rule checks, the entries it records, and the dates
 * of the claim every rule reads (see warranty-engine.ts for the rules in order).
 */

export const DIRECTIVE = 'Directive (EU) 2019/771';

const DESCRIPTIONS: Record<RuleV2, string> = {
  legal_law_applicable: "The consumer law of the customer's country (and region) applies",
  legal_proof_of_purchase: 'The purchase recorded by the seller is proof of purchase',
  legal_limitation: 'The claim is brought before it is time-barred',
  legal_guarantee_period:
    'The defect became apparent within the legal guarantee, counted from delivery (or purchase if undelivered)',
  legal_notification: 'The defect was notified within the duty to notify, where one exists',
  legal_presumption:
    'A defect apparent within the presumption period is presumed present at delivery',
  legal_cause:
    'The cause, as an assessment established it, is a lack of conformity (presumed so within the presumption period)',
  legal_remedy:
    "Remedies in their legal order: the consumer's choice of repair or replacement, then price reduction or a refund",
  commercial_proof_of_purchase:
    'Proof of purchase is shown when the policy requires it (commercial cover only)',
  commercial_coverage_period:
    "The defect became apparent within the policy's coverage period for the product category",
  commercial_exclusions: 'The cause is not excluded by the policy',
  repeat_claims:
    'Fewer earlier claims on the same serial (or purchase) than the policy threshold; otherwise a person reviews the commercial cover',
  commercial_remedy: 'The policy remedy rules by product age',
  outcome:
    'Approved when either path covers; otherwise waiting for an assessment, for review, or rejected',
  remedy: 'The legal remedy when the legal path covers, else the commercial one',
  covered_amount:
    'Legal cover is capped at the price only; commercial cover at price x policy ratio',
};

export type RuleV2 = (typeof RULE_IDS_V2)[number];

export type Inputs = Record<string, RuleInputValue>;

export function entry(
  ruleId: RuleV2,
  inputs: Inputs,
  result: RuleResult,
  effect: RuleEffect,
  explanation: string,
  statute?: string,
): RuleTraceEntry {
  return {
    ruleId,
    description: DESCRIPTIONS[ruleId],
    inputs,
    result,
    effect,
    explanation,
    ...(statute !== undefined ? { statute } : {}),
  };
}

export const round2 = (x: number): number => Math.round(x * 100) / 100;
export const before = (a: IsoDateTime, b: IsoDateTime): boolean => toMillis(a) < toMillis(b);
export const atOrBefore = (a: IsoDateTime, b: IsoDateTime): boolean => toMillis(a) <= toMillis(b);

/** The claim as every rule reads it: when it was delivered, noticed and filed, and what cover. */
export type ClaimDates = {
  facts: WarrantyDecisionFacts;
  trace: RuleTraceEntry[];
  /** Delivery, or purchase when nothing was delivered: where every period starts. */
  delivered: IsoDateTime;
  deliveredBasis: 'delivery' | 'purchase';
  noticed: IsoDateTime;
  filed: IsoDateTime;
  /** The latest assessment, if any. */
  assessment: Assessment | null;
  lifespan: number | null;
  /** The policy's coverage months for the product category, if it names one. */
  categoryMonths: number | undefined;
  coverageMonths: number;
};

export function claimDates(facts: WarrantyDecisionFacts): ClaimDates {
  const { claim, purchase } = facts;
  const terms = facts.policy.terms;
  const categoryMonths = entryOf(terms.coverageMonths.byCategory, purchase.productCategory);
  return {
    facts,
    trace: [],
    delivered: purchase.deliveredAt ?? purchase.purchasedAt,
    deliveredBasis: purchase.deliveredAt !== null ? 'delivery' : 'purchase',
    noticed: claim.noticedAt,
    filed: claim.filedAt,
    assessment: facts.assessments.at(-1) ?? null,
    lifespan: facts.expectedLifespanMonths,
    categoryMonths,
    coverageMonths: categoryMonths ?? terms.coverageMonths.default,
  };
}
