import { canonicalJson, sha256Hex } from './canonical-json';
import type { IsoDateTime } from './domain-event';
import { addDays, addMonths, daysBetween, toMillis } from './time';
import type {
  RuleEffect,
  RuleId,
  RuleInputValue,
  RuleResult,
  RuleTraceEntry,
  WarrantyDecisionFactsV1,
  WarrantyOutcome,
} from './warranty-claim.events';
import type { WarrantyRemedy } from './warranty-policy.events';
import { entryOf } from './records';

/**
 * Engine v1, kept unchanged so decisions recorded under it still verify against the rules they
 * used (engine v2 in warranty-engine.ts decides new claims). It let a commercial proof requirement
 * reject legal cover and took the claimant's word for the cause; see docs/warranty-law.md.
 *
 * The warranty policy engine: a pure function of the facts. Same facts, same decision, so an
 * auditor can recompute any recorded decision. Bump ENGINE_VERSION when a rule's meaning changes.
 *
 * Rules, all evaluated and traced every time, in this order:
 *   proof_of_purchase          policy requires proof and none was shown -> reject
 *   commercial_coverage_period within the category's months from delivery (else purchase) -> cover
 *   commercial_exclusions      cause excluded by the policy -> no commercial cover
 *   repeat_claims              earlier claims on the serial >= threshold -> needs_review
 *   legal_guarantee_period     within the jurisdiction's legal guarantee (cannot be contracted away)
 *   legal_guarantee_cause      cause is a lack of conformity (not damage, misuse, repair, wear)
 *   legal_presumption          within the presumption period, or cause established as
 *                              manufacturing -> cover; otherwise the consumer bears the burden
 *                              of proof -> needs_review
 *   outcome                    combines the above (see `combine`)
 *   remedy                     short-term right to reject, then the policy's remedy rules
 *   covered_amount             claimed amount (or price), capped: the price under legal cover,
 *                              price x maxCoveredAmountRatio under commercial cover only
 */
export const ENGINE_VERSION_V1 = 'warranty-engine/1';

export type WarrantyDecision = {
  outcome: WarrantyOutcome;
  remedy: WarrantyRemedy | null;
  coveredAmount: number;
  ruleTrace: RuleTraceEntry[];
  factsDigest: string;
  engineVersion: string;
};

const DESCRIPTIONS: Partial<Record<RuleId, string>> = {
  proof_of_purchase: 'Proof of purchase is shown when the policy requires it',
  commercial_coverage_period:
    "The claim falls within the policy's coverage period for the product category, counted from delivery (or purchase if not delivered)",
  commercial_exclusions: "The defect's cause is not excluded by the policy",
  repeat_claims:
    'Fewer earlier claims on the same serial than the policy threshold; otherwise a person reviews',
  legal_guarantee_period:
    "The claim falls within the jurisdiction's legal guarantee, counted from delivery (or purchase if not delivered)",
  legal_guarantee_cause:
    'The cause is a lack of conformity (not accidental damage, misuse, unauthorised repair or wear)',
  legal_presumption:
    'The defect is presumed present at delivery (within the presumption period) or established as a manufacturing defect',
  outcome: 'Combines the rules: cover and no reason to reject or review -> approved',
  remedy: 'Short-term right to reject first, then the policy remedy rules by product age',
  covered_amount:
    'Claimed amount (or price), capped at the price under legal cover, or at price x policy ratio under commercial cover only',
};

type Inputs = Record<string, RuleInputValue>;

function entry(
  ruleId: RuleId,
  inputs: Inputs,
  result: RuleResult,
  effect: RuleEffect,
  explanation: string,
): RuleTraceEntry {
  return {
    ruleId,
    description: DESCRIPTIONS[ruleId] ?? ruleId,
    inputs,
    result,
    effect,
    explanation,
  };
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

export function decideWarrantyClaimV1(facts: WarrantyDecisionFactsV1): WarrantyDecision {
  const { claim, purchase, priorClaims, policy, jurisdiction } = facts;
  const terms = policy.terms;
  const at = claim.filedAt;
  const periodStart = purchase.deliveredAt ?? purchase.purchasedAt;
  const periodStartBasis = purchase.deliveredAt !== null ? 'delivery' : 'purchase';
  const ageDays = daysBetween(periodStart, at);
  const cause = claim.defect.cause;
  const trace: RuleTraceEntry[] = [];
  const within = (end: IsoDateTime): boolean => toMillis(at) < toMillis(end);

  // proof_of_purchase
  const proofRequired = terms.requireProofOfPurchase;
  const proofShown = claim.evidence.proofOfPurchase;
  const proofFailed = proofRequired && !proofShown;
  trace.push(
    !proofRequired
      ? entry(
          'proof_of_purchase',
          { requireProofOfPurchase: false, proofOfPurchase: proofShown },
          'not_applicable',
          'none',
          'The policy does not require proof of purchase',
        )
      : entry(
          'proof_of_purchase',
          { requireProofOfPurchase: true, proofOfPurchase: proofShown },
          proofShown ? 'passed' : 'failed',
          proofShown ? 'none' : 'reject',
          proofShown
            ? 'Proof of purchase was shown'
            : 'The policy requires proof of purchase and none was shown',
        ),
  );

  // commercial_coverage_period
  const categoryMonths = entryOf(terms.coverageMonths.byCategory, purchase.productCategory);
  const coverageMonths = categoryMonths ?? terms.coverageMonths.default;
  const commercialEnd = addMonths(periodStart, coverageMonths);
  const inCommercialPeriod = coverageMonths > 0 && within(commercialEnd);
  trace.push(
    entry(
      'commercial_coverage_period',
      {
        productCategory: purchase.productCategory,
        coverageMonths,
        coverageSource: categoryMonths !== undefined ? 'category' : 'default',
        periodStart,
        periodStartBasis,
        periodEnd: commercialEnd,
        claimFiledAt: at,
      },
      inCommercialPeriod ? 'passed' : 'failed',
      inCommercialPeriod ? 'cover' : 'no_cover',
      inCommercialPeriod
        ? `Filed within the ${coverageMonths}-month commercial coverage ending ${commercialEnd}`
        : `Filed after the ${coverageMonths}-month commercial coverage ended ${commercialEnd}`,
    ),
  );

  // commercial_exclusions
  const excluded = (terms.exclusions as readonly string[]).includes(cause);
  trace.push(
    entry(
      'commercial_exclusions',
      { cause, exclusions: [...terms.exclusions] },
      excluded ? 'failed' : 'passed',
      excluded ? 'no_cover' : 'none',
      excluded
        ? `The policy excludes defects caused by ${cause}`
        : `The policy does not exclude defects caused by ${cause}`,
    ),
  );
  const commercialCover = inCommercialPeriod && !excluded;

  // repeat_claims
  const threshold = terms.repeatClaimThreshold;
  const earlier = priorClaims.length;
  const repeatFlag = threshold !== null && earlier >= threshold;
  trace.push(
    threshold === null
      ? entry(
          'repeat_claims',
          { earlierClaims: earlier, repeatClaimThreshold: null },
          'not_applicable',
          'none',
          'The policy sets no repeat-claim threshold',
        )
      : entry(
          'repeat_claims',
          {
            serialNumber: claim.serialNumber,
            earlierClaims: earlier,
            earlierClaimIds: priorClaims.map((c) => c.claimId),
            repeatClaimThreshold: threshold,
          },
          repeatFlag ? 'failed' : 'passed',
          repeatFlag ? 'needs_review' : 'none',
          repeatFlag
            ? `${earlier} earlier claim(s) on serial ${claim.serialNumber} reach the threshold of ${threshold}: a person reviews`
            : `${earlier} earlier claim(s) on serial ${claim.serialNumber}, below the threshold of ${threshold}`,
        ),
  );

  // legal_guarantee_period
  const legalMonths = jurisdiction.legalGuaranteeMonths;
  const legalEnd = addMonths(periodStart, legalMonths);
  const hasLegal = legalMonths > 0;
  const inLegalPeriod = hasLegal && within(legalEnd);
  trace.push(
    !hasLegal
      ? entry(
          'legal_guarantee_period',
          { jurisdiction: jurisdiction.code, legalGuaranteeMonths: 0 },
          'not_applicable',
          'none',
          `No legal guarantee applies in jurisdiction ${jurisdiction.code}`,
        )
      : entry(
          'legal_guarantee_period',
          {
            jurisdiction: jurisdiction.code,
            legalGuaranteeMonths: legalMonths,
            periodStart,
            periodStartBasis,
            periodEnd: legalEnd,
            claimFiledAt: at,
            source: jurisdiction.source,
          },
          inLegalPeriod ? 'passed' : 'failed',
          inLegalPeriod ? 'none' : 'no_cover',
          inLegalPeriod
            ? `Filed within the ${legalMonths}-month legal guarantee ending ${legalEnd}`
            : `Filed after the ${legalMonths}-month legal guarantee ended ${legalEnd}`,
        ),
  );

  // legal_guarantee_cause
  const legallyExcluded = jurisdiction.excludedCauses.includes(cause);
  trace.push(
    !inLegalPeriod
      ? entry(
          'legal_guarantee_cause',
          { cause },
          'not_applicable',
          'none',
          'No legal guarantee in force for this claim',
        )
      : entry(
          'legal_guarantee_cause',
          { cause, excludedCauses: [...jurisdiction.excludedCauses] },
          legallyExcluded ? 'failed' : 'passed',
          legallyExcluded ? 'no_cover' : 'none',
          legallyExcluded
            ? `A defect caused by ${cause} is not a lack of conformity`
            : `A defect caused by ${cause} can be a lack of conformity`,
        ),
  );

  // legal_presumption
  const presumptionEnd = addMonths(periodStart, jurisdiction.presumptionMonths);
  const presumed = jurisdiction.presumptionMonths > 0 && within(presumptionEnd);
  const established = cause === 'manufacturing';
  const legalApplies = inLegalPeriod && !legallyExcluded;
  const legalCover = legalApplies && (presumed || established);
  const legalReview = legalApplies && !legalCover;
  trace.push(
    !legalApplies
      ? entry(
          'legal_presumption',
          { cause },
          'not_applicable',
          'none',
          'The legal guarantee does not apply to this claim',
        )
      : entry(
          'legal_presumption',
          {
            cause,
            presumptionMonths: jurisdiction.presumptionMonths,
            presumptionEnd,
            claimFiledAt: at,
          },
          legalCover ? 'passed' : 'failed',
          legalCover ? 'cover' : 'needs_review',
          presumed
            ? `Within ${jurisdiction.presumptionMonths} months of ${periodStartBasis} the defect is presumed present at delivery`
            : established
              ? 'The defect is established as a manufacturing defect'
              : `After ${presumptionEnd} the consumer must show the defect existed at delivery (cause ${cause}): a person reviews`,
        ),
  );

  // outcome
  const outcome = combine({ proofFailed, commercialCover, legalCover, legalReview, repeatFlag });
  trace.push(
    entry(
      'outcome',
      { proofFailed, commercialCover, legalCover, legalReview, repeatReview: repeatFlag },
      outcome === 'approved' ? 'passed' : 'failed',
      outcome === 'approved' ? 'none' : outcome === 'rejected' ? 'reject' : 'needs_review',
      outcomeExplanation(outcome, {
        proofFailed,
        commercialCover,
        legalCover,
        legalReview,
        repeatFlag,
      }),
    ),
  );

  // remedy
  let remedy: WarrantyRemedy | null = null;
  if (outcome !== 'approved') {
    trace.push(
      entry(
        'remedy',
        { outcome },
        'not_applicable',
        'none',
        'No remedy unless the claim is approved',
      ),
    );
  } else {
    const rejectDays = jurisdiction.shortTermRejectDays;
    const shortTermReject =
      legalCover &&
      rejectDays !== null &&
      claim.remedyRequested === 'refund' &&
      toMillis(at) <= toMillis(addDays(periodStart, rejectDays));
    const rule = terms.remedyRules.find((r) => ageDays <= r.maxAgeDays);
    remedy = shortTermReject ? 'refund' : (rule?.remedy ?? terms.defaultRemedy);
    trace.push(
      entry(
        'remedy',
        {
          productAgeDays: ageDays,
          remedyRequested: claim.remedyRequested ?? null,
          shortTermRejectDays: rejectDays,
          matchedRuleMaxAgeDays: rule ? rule.maxAgeDays : null,
          defaultRemedy: terms.defaultRemedy,
          remedy,
        },
        'passed',
        'none',
        shortTermReject
          ? `Refund under the ${rejectDays}-day short-term right to reject`
          : rule
            ? `${remedy}: the product is ${ageDays} day(s) old, within the policy rule of ${rule.maxAgeDays} days`
            : `${remedy}: the policy default`,
      ),
    );
  }

  // covered_amount
  let coveredAmount = 0;
  if (outcome !== 'approved') {
    trace.push(
      entry(
        'covered_amount',
        { outcome },
        'not_applicable',
        'none',
        'Nothing is covered unless the claim is approved',
      ),
    );
  } else {
    const requested = claim.claimedAmount ?? purchase.price;
    // The legal guarantee's remedies cannot be capped by the commercial policy.
    const cap = legalCover ? purchase.price : round2(purchase.price * terms.maxCoveredAmountRatio);
    coveredAmount = round2(Math.max(0, Math.min(requested, cap)));
    trace.push(
      entry(
        'covered_amount',
        {
          claimedAmount: claim.claimedAmount ?? null,
          price: purchase.price,
          currency: purchase.currency,
          capBasis: legalCover ? 'legal_guarantee' : 'commercial_policy',
          maxCoveredAmountRatio: terms.maxCoveredAmountRatio,
          cap,
          coveredAmount,
        },
        'passed',
        'none',
        `Covers ${coveredAmount} ${purchase.currency} of ${requested} requested (cap ${cap})`,
      ),
    );
  }

  return {
    outcome,
    remedy,
    coveredAmount,
    ruleTrace: trace,
    factsDigest: sha256Hex(canonicalJson(facts)),
    engineVersion: ENGINE_VERSION_V1,
  };
}

type Findings = {
  proofFailed: boolean;
  commercialCover: boolean;
  legalCover: boolean;
  legalReview: boolean;
  repeatFlag: boolean;
};

/**
 * Missing proof rejects. Cover (commercial or legal) approves unless repeat claims call for
 * review. Without cover, a legal claim whose burden of proof is open goes to review; the rest is
 * rejected (a repeat flag alone does not rescue a claim nothing covers).
 */
function combine(f: Findings): WarrantyOutcome {
  if (f.proofFailed) return 'rejected';
  if (f.commercialCover || f.legalCover) return f.repeatFlag ? 'needs_review' : 'approved';
  if (f.legalReview) return 'needs_review';
  return 'rejected';
}

function outcomeExplanation(outcome: WarrantyOutcome, f: Findings): string {
  if (f.proofFailed) return 'Rejected: no proof of purchase';
  const basis = [
    f.commercialCover ? 'commercial policy' : null,
    f.legalCover ? 'legal guarantee' : null,
  ]
    .filter((x) => x !== null)
    .join(' and ');
  switch (outcome) {
    case 'approved':
      return `Approved: covered by the ${basis}`;
    case 'needs_review':
      return basis
        ? `Needs review: covered by the ${basis}, but repeated claims on the serial`
        : 'Needs review: only the legal guarantee may cover it and the defect must be shown to have existed at delivery';
    case 'rejected':
      return 'Rejected: neither the commercial policy nor a legal guarantee covers the claim';
    case 'needs_assessment':
      // v1 never waits for an assessment; the case keeps the switch exhaustive.
      return 'Needs assessment';
  }
}
