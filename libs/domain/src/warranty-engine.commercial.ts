import { addMonths, daysBetween } from './time';
import type { DefectCause, WarrantyRemedy } from './warranty-policy.events';
import { before, entry, type ClaimDates } from './warranty-engine.trace';

/** What the commercial policy grants a claim (it can only add cover to the legal path). */
export type CommercialCover = {
  commercialCover: boolean;
  /** Earlier claims reach the policy's threshold: a person reviews the commercial cover. */
  repeatFlag: boolean;
  commercialRemedy: WarrantyRemedy;
};

/**
 * The commercial path (warranty-engine.ts): commercial_proof_of_purchase,
 * commercial_coverage_period, commercial_exclusions, repeat_claims and commercial_remedy, traced
 * in that order.
 */
export function coverByPolicy(dates: ClaimDates): CommercialCover {
  const { facts, trace, delivered, deliveredBasis, noticed, filed, assessment } = dates;
  const { categoryMonths, coverageMonths } = dates;
  const { claim, purchase, priorClaims } = facts;
  const terms = facts.policy.terms;

  // commercial_proof_of_purchase: a condition of the commercial warranty only.
  const proofRequired = terms.requireProofOfPurchase;
  const proofShown = claim.evidence.proofOfPurchase;
  const proofFailed = proofRequired && !proofShown;
  trace.push(
    entry(
      'commercial_proof_of_purchase',
      { requireProofOfPurchase: proofRequired, proofOfPurchase: proofShown },
      !proofRequired ? 'not_applicable' : proofShown ? 'passed' : 'failed',
      proofFailed ? 'no_cover' : 'none',
      !proofRequired
        ? 'The policy does not require proof of purchase'
        : proofShown
          ? 'Proof of purchase was shown'
          : 'The policy requires proof of purchase and none was shown: no commercial cover (the legal guarantee is not affected)',
    ),
  );

  // commercial_coverage_period
  const commercialEnd = addMonths(delivered, coverageMonths);
  const inCommercialPeriod = coverageMonths > 0 && before(noticed, commercialEnd);
  trace.push(
    entry(
      'commercial_coverage_period',
      {
        productCategory: purchase.productCategory,
        coverageMonths,
        coverageSource: categoryMonths !== undefined ? 'category' : 'default',
        periodStart: delivered,
        periodStartBasis: deliveredBasis,
        periodEnd: commercialEnd,
        noticedAt: noticed,
      },
      inCommercialPeriod ? 'passed' : 'failed',
      inCommercialPeriod ? 'cover' : 'no_cover',
      inCommercialPeriod
        ? `Apparent within the ${coverageMonths}-month commercial coverage ending ${commercialEnd}`
        : `Apparent after the ${coverageMonths}-month commercial coverage ended ${commercialEnd}`,
    ),
  );

  // commercial_exclusions: the assessed cause when there is one, else what the claimant says.
  const commercialCause: DefectCause | null =
    assessment && assessment.cause !== 'undetermined'
      ? assessment.cause
      : (claim.suspectedCause ?? null);
  const excluded =
    commercialCause !== null && (terms.exclusions as readonly string[]).includes(commercialCause);
  trace.push(
    entry(
      'commercial_exclusions',
      {
        cause: commercialCause,
        causeSource: assessment && assessment.cause !== 'undetermined' ? 'assessment' : 'claimant',
        exclusions: [...terms.exclusions],
      },
      excluded ? 'failed' : 'passed',
      excluded ? 'no_cover' : 'none',
      excluded
        ? `The policy excludes defects caused by ${commercialCause}`
        : `The policy does not exclude the cause (${commercialCause ?? 'not known'})`,
    ),
  );
  const commercialCover = !proofFailed && inCommercialPeriod && !excluded;

  // repeat_claims
  const threshold = terms.repeatClaimThreshold;
  const earlier = priorClaims.length;
  const repeatFlag = threshold !== null && earlier >= threshold;
  const on =
    claim.serialNumber !== null ? `serial ${claim.serialNumber}` : `purchase ${claim.purchaseId}`;
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
            ? `${earlier} earlier claim(s) on ${on} reach the threshold of ${threshold}: a person reviews the commercial cover`
            : `${earlier} earlier claim(s) on ${on}, below the threshold of ${threshold}`,
        ),
  );

  // commercial_remedy
  const ageDays = daysBetween(delivered, filed);
  const rule = terms.remedyRules.find((r) => ageDays <= r.maxAgeDays);
  const commercialRemedy: WarrantyRemedy = rule?.remedy ?? terms.defaultRemedy;
  trace.push(
    entry(
      'commercial_remedy',
      {
        productAgeDays: ageDays,
        matchedRuleMaxAgeDays: rule ? rule.maxAgeDays : null,
        defaultRemedy: terms.defaultRemedy,
        remedy: commercialRemedy,
      },
      commercialCover ? 'passed' : 'not_applicable',
      'none',
      rule
        ? `${commercialRemedy}: the product is ${ageDays} day(s) old, within the policy rule of ${rule.maxAgeDays} days`
        : `${commercialRemedy}: the policy default`,
    ),
  );
  return { commercialCover, repeatFlag, commercialRemedy };
}
