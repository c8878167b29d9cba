import type { WarrantyDecision } from './warranty-engine.v1';
import type { WarrantyDecisionFacts, WarrantyOutcome } from './warranty-claim.events';
import type { WarrantyRemedy } from './warranty-policy.events';
import { coverByPolicy } from './warranty-engine.commercial';
import { digestFacts } from './warranty-engine.facts';
import { coverByLaw } from './warranty-engine.legal-cover';
import { legalPeriod } from './warranty-engine.legal-period';
import { claimDates, entry, round2 } from './warranty-engine.trace';

export type { WarrantyDecision } from './warranty-engine.v1';
export { ENGINE_VERSION_V1 } from './warranty-engine.v1';

/**
 * The warranty engine (v2): a pure function of the facts, in two paths whose results combine in
 * the consumer's favour. Same facts, same decision, so an auditor recomputes any decision.
 *
 * Legal path (cannot be contracted away; every rule names its statute):
 *   legal_law_applicable      the consumer-law row for the customer's country (and GB region)
 *   legal_proof_of_purchase   the purchase recorded in Aftercare is proof of purchase
 *   legal_limitation          the claim is filed before the claim is time-barred
 *   legal_guarantee_period    the defect became apparent (noticedAt) within the guarantee
 *   legal_notification        the filing delay against the notification duty, where one exists
 *   legal_presumption         noticed within the presumption period: presumed present at delivery
 *   legal_cause               the cause as an assessment established it (never the claimant's word)
 *   legal_remedy              remedies in their legal order
 * Commercial path (can only add cover):
 *   commercial_proof_of_purchase, commercial_coverage_period, commercial_exclusions,
 *   repeat_claims, commercial_remedy
 * Combined: outcome, remedy, covered_amount.
 *
 * The legal path's periods are in warranty-engine.legal-period.ts, its cause and remedy in
 * warranty-engine.legal-cover.ts (the remedy order in warranty-engine.legal-remedy.ts), the
 * commercial path in warranty-engine.commercial.ts; this file combines them.
 */
export const ENGINE_VERSION = 'warranty-engine/2';

export function decideWarrantyClaim(facts: WarrantyDecisionFacts): WarrantyDecision {
  const { claim, purchase, law } = facts;
  const terms = facts.policy.terms;
  const dates = claimDates(facts);
  const trace = dates.trace;
  const { legalCover, legalReview, awaitingAssessment, legal } = coverByLaw(
    dates,
    legalPeriod(dates),
  );
  const { commercialCover, repeatFlag, commercialRemedy } = coverByPolicy(dates);

  // outcome
  const priceToAgree = legalCover && legal !== null && legal.amount === null;
  let outcome: WarrantyOutcome;
  let why: string;
  if (legalCover && !priceToAgree) {
    outcome = 'approved';
    why = commercialCover
      ? 'Approved: covered by the legal guarantee and the commercial policy'
      : 'Approved: covered by the legal guarantee';
  } else if (commercialCover && !repeatFlag) {
    outcome = 'approved';
    why = 'Approved: covered by the commercial policy';
  } else if (priceToAgree) {
    outcome = 'needs_review';
    why =
      'Needs review: a price reduction is due and its amount (proportionate to the loss in value) is to be agreed';
  } else if (commercialCover) {
    outcome = 'needs_review';
    why = 'Needs review: covered by the commercial policy, but repeated claims';
  } else if (legalReview) {
    outcome = 'needs_review';
    why = 'Needs review: whether the defect was notified within a reasonable time';
  } else if (awaitingAssessment) {
    outcome = 'needs_assessment';
    why =
      'Needs assessment: after the presumption period only an assessment can establish a lack of conformity present at delivery';
  } else {
    outcome = 'rejected';
    why = 'Rejected: neither the legal guarantee nor the commercial policy covers the claim';
  }
  trace.push(
    entry(
      'outcome',
      {
        legalCover,
        legalReview,
        awaitingAssessment,
        commercialCover,
        repeatReview: repeatFlag,
      },
      outcome === 'approved' ? 'passed' : 'failed',
      outcome === 'approved'
        ? 'none'
        : outcome === 'rejected'
          ? 'reject'
          : outcome === 'needs_assessment'
            ? 'needs_assessment'
            : 'needs_review',
      why,
    ),
  );

  // remedy and covered_amount
  let remedy: WarrantyRemedy | null = null;
  let coveredAmount = 0;
  // Under legal cover the law's remedy is the consumer's to choose; when they chose none, the
  // remedy is the first-tier default and nothing was refused, the policy's own remedy is kept.
  const commercialInstead =
    claim.remedyRequested === undefined &&
    facts.remedyRefusals.length === 0 &&
    legal !== null &&
    legal.remedy === 'repair' &&
    law.remedyScheme !== 'written_warranty';
  const requested = claim.claimedAmount ?? purchase.price;
  if (outcome === 'approved') {
    const commercialAmount = round2(
      Math.max(0, Math.min(requested, purchase.price * terms.maxCoveredAmountRatio)),
    );
    if (legalCover && legal !== null && legal.amount !== null) {
      remedy = legal.remedy;
      coveredAmount = legal.amount;
      if (commercialCover && commercialInstead) {
        // The consumer chose nothing and nothing was refused: what the policy promises stands.
        remedy = commercialRemedy;
        coveredAmount = Math.max(legal.amount, commercialAmount);
      } else if (commercialCover && commercialRemedy === remedy) {
        // The commercial policy only adds: the same remedy at a higher figure is kept.
        coveredAmount = Math.max(coveredAmount, commercialAmount);
      }
    } else {
      remedy = commercialRemedy;
      coveredAmount = commercialAmount;
    }
  }
  trace.push(
    entry(
      'remedy',
      {
        outcome,
        legalRemedy: legal?.remedy ?? null,
        commercialRemedy: commercialCover ? commercialRemedy : null,
        remedy,
      },
      outcome === 'approved' ? 'passed' : 'not_applicable',
      'none',
      outcome !== 'approved'
        ? 'No remedy unless the claim is approved'
        : legalCover && !(commercialCover && commercialInstead)
          ? `${remedy}: the legal remedy`
          : legalCover
            ? `${remedy}: the commercial policy's remedy, as the consumer asked for none and the law's default is repair`
            : `${remedy}: the commercial policy's remedy`,
    ),
  );
  trace.push(
    entry(
      'covered_amount',
      {
        claimedAmount: claim.claimedAmount ?? null,
        price: purchase.price,
        currency: purchase.currency,
        capBasis: !legalCover ? 'commercial_policy' : 'legal_guarantee',
        maxCoveredAmountRatio: terms.maxCoveredAmountRatio,
        deductionForUse: legal?.deductionForUse ?? 0,
        coveredAmount,
      },
      outcome === 'approved' ? 'passed' : 'not_applicable',
      'none',
      outcome !== 'approved'
        ? 'Nothing is covered unless the claim is approved'
        : `Covers ${coveredAmount} ${purchase.currency}`,
    ),
  );

  return {
    outcome,
    remedy,
    coveredAmount,
    ruleTrace: trace,
    factsDigest: digestFacts(facts),
    engineVersion: ENGINE_VERSION,
  };
}
