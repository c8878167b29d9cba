import { canonicalJson, sha256Hex } from './canonical-json';
import type { IsoDateTime } from './domain-event';
import { expectedLifespanMonths, type ConsumerLawRow } from './law/consumer-law';
import { addMonths, daysBetween, toMillis } from './time';
import {
  decideWarrantyClaimV1,
  ENGINE_VERSION_V1,
  type WarrantyDecision,
} from './warranty-engine.v1';
import {
  isV1Facts,
  RULE_IDS_V2,
  NON_CONFORMITY_EXCLUDING_CAUSES,
  type AnyDecisionFacts,
  type Assessment,
  type RefusableRemedy,
  type RuleEffect,
  type RuleInputValue,
  type RuleResult,
  type RuleTraceEntry,
  type WarrantyClaimDecided,
  type WarrantyDecisionFacts,
  type WarrantyDecisionFactsV1,
  type WarrantyOutcome,
} from './warranty-claim.events';
import type { DefectCause, WarrantyPolicyVersion, WarrantyRemedy } from './warranty-policy.events';

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
 */
export const ENGINE_VERSION = 'warranty-engine/2';

const DIRECTIVE = 'Directive (EU) 2019/771';

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

type RuleV2 = (typeof RULE_IDS_V2)[number];

type Inputs = Record<string, RuleInputValue>;

function entry(
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

const round2 = (x: number): number => Math.round(x * 100) / 100;
const before = (a: IsoDateTime, b: IsoDateTime): boolean => toMillis(a) < toMillis(b);
const atOrBefore = (a: IsoDateTime, b: IsoDateTime): boolean => toMillis(a) <= toMillis(b);

/** Why price reduction or a refund is open at once (Directive art. 13(4); CRA s. 24(5)). */
type SecondTierGround = 'failed_remedy' | 'both_refused' | 'serious';

type LegalRemedy = {
  remedy: WarrantyRemedy;
  /** null: a price reduction whose amount is still to be agreed. */
  amount: number | null;
  deductionForUse: number;
  explanation: string;
  statute: string;
  inputs: Inputs;
};

export function decideWarrantyClaim(facts: WarrantyDecisionFacts): WarrantyDecision {
  const { claim, purchase, priorClaims, policy, law } = facts;
  const terms = policy.terms;
  const delivered = purchase.deliveredAt ?? purchase.purchasedAt;
  const deliveredBasis = purchase.deliveredAt !== null ? 'delivery' : 'purchase';
  const noticed = claim.noticedAt;
  const filed = claim.filedAt;
  const assessment: Assessment | null = facts.assessments.at(-1) ?? null;
  const trace: RuleTraceEntry[] = [];

  // legal_law_applicable
  const hasLaw = law.guarantee.kind !== 'none';
  trace.push(
    entry(
      'legal_law_applicable',
      {
        law: law.key,
        name: law.name,
        matchedBy: law.matchedBy ?? null,
        remedyScheme: law.remedyScheme,
        uncertain: law.uncertain,
      },
      hasLaw ? 'passed' : 'not_applicable',
      'none',
      hasLaw
        ? `${law.name} applies (${law.matchedBy ?? law.key})`
        : `No statutory guarantee is known for this customer (${law.matchedBy ?? law.key})`,
      law.statutes.guarantee,
    ),
  );

  // legal_proof_of_purchase
  const proofStatute =
    law.remedyScheme === 'uk'
      ? 'Consumer Rights Act 2015, s. 31 (liability cannot be excluded or restricted)'
      : law.remedyScheme === 'eu'
        ? `${DIRECTIVE}, art. 21(1) (no contractual derogation to the consumer's detriment)`
        : '15 U.S.C. § 2308(a)';
  trace.push(
    entry(
      'legal_proof_of_purchase',
      {
        purchaseId: purchase.purchaseId,
        purchasedAt: purchase.purchasedAt,
        proofShownByClaimant: claim.evidence.proofOfPurchase,
      },
      hasLaw ? 'passed' : 'not_applicable',
      'none',
      `Purchase ${purchase.purchaseId} of ${purchase.purchasedAt} is recorded by the seller: that is proof of purchase, whatever the claimant showed`,
      hasLaw ? proofStatute : undefined,
    ),
  );

  // legal_guarantee_period: its end depends on the kind of term.
  const lifespan = facts.expectedLifespanMonths;
  const categoryMonths = terms.coverageMonths.byCategory[purchase.productCategory];
  const coverageMonths = categoryMonths ?? terms.coverageMonths.default;
  let guaranteeMonths: number | null = null;
  let guaranteeBasis = '';
  switch (law.guarantee.kind) {
    case 'fixed':
      guaranteeMonths = law.guarantee.months;
      guaranteeBasis = `${guaranteeMonths} months fixed by statute`;
      break;
    case 'expected_lifespan': {
      const cap =
        law.limitation !== null && law.limitation.from === 'delivery'
          ? law.limitation.months
          : null;
      const months = lifespan ?? 0;
      guaranteeMonths = cap !== null ? Math.min(months, cap) : months;
      guaranteeBasis = `no fixed term: the expected lifespan of ${purchase.productCategory} (${months} months${cap !== null && cap < months ? `, bounded by the ${cap}-month limitation` : ''})`;
      break;
    }
    case 'written_warranty':
      guaranteeMonths = coverageMonths > 0 ? coverageMonths : null;
      guaranteeBasis =
        coverageMonths > 0
          ? `implied warranties run with the ${coverageMonths}-month written warranty`
          : 'no written warranty for this category, so implied warranties may be disclaimed';
      break;
    case 'none':
      guaranteeMonths = null;
      guaranteeBasis = 'no statutory guarantee';
      break;
  }
  const guaranteeEnd = guaranteeMonths !== null ? addMonths(delivered, guaranteeMonths) : null;

  // legal_limitation
  let limitationEnd: IsoDateTime | null = null;
  if (law.limitation !== null) {
    const lim = law.limitation;
    limitationEnd = addMonths(lim.from === 'delivery' ? delivered : noticed, lim.months);
    if (lim.graceAfterNoticeMonths !== undefined) {
      const grace = addMonths(noticed, lim.graceAfterNoticeMonths);
      if (before(limitationEnd, grace)) limitationEnd = grace;
    }
  }
  const timely = limitationEnd === null || atOrBefore(filed, limitationEnd);
  trace.push(
    guaranteeEnd === null || law.limitation === null
      ? entry(
          'legal_limitation',
          { law: law.key, limitationMonths: null },
          'not_applicable',
          'none',
          guaranteeEnd === null
            ? 'No legal guarantee to bring a claim under'
            : 'No limitation period is modelled for this law',
          law.statutes.limitation,
        )
      : entry(
          'legal_limitation',
          {
            limitationMonths: law.limitation.months,
            countedFrom: law.limitation.from,
            graceAfterNoticeMonths: law.limitation.graceAfterNoticeMonths ?? null,
            limitationEnd,
            claimFiledAt: filed,
          },
          timely ? 'passed' : 'failed',
          timely ? 'none' : 'no_cover',
          timely
            ? `Filed before the claim is time-barred (${limitationEnd})`
            : `Filed after the claim became time-barred on ${limitationEnd}`,
          law.statutes.limitation,
        ),
  );

  const inGuarantee = guaranteeEnd !== null && before(noticed, guaranteeEnd);
  trace.push(
    guaranteeEnd === null
      ? entry(
          'legal_guarantee_period',
          { law: law.key, guaranteeKind: law.guarantee.kind },
          'not_applicable',
          'none',
          `No legal guarantee: ${guaranteeBasis}`,
          law.statutes.guarantee,
        )
      : entry(
          'legal_guarantee_period',
          {
            guaranteeKind: law.guarantee.kind,
            guaranteeMonths,
            expectedLifespanMonths: lifespan,
            periodStart: delivered,
            periodStartBasis: deliveredBasis,
            periodEnd: guaranteeEnd,
            noticedAt: noticed,
          },
          inGuarantee ? 'passed' : 'failed',
          inGuarantee ? 'none' : 'no_cover',
          inGuarantee
            ? `The defect became apparent on ${noticed}, within the guarantee ending ${guaranteeEnd} (${guaranteeBasis})`
            : `The defect became apparent on ${noticed}, after the guarantee ended ${guaranteeEnd} (${guaranteeBasis})`,
          law.statutes.guarantee,
        ),
  );

  // legal_notification
  const delayDays = daysBetween(noticed, filed);
  const duty = law.notification;
  let notificationLost = false;
  let notificationReview = false;
  if (duty.kind === 'none' || !inGuarantee) {
    trace.push(
      entry(
        'legal_notification',
        { filingDelayDays: delayDays, duty: duty.kind },
        'not_applicable',
        'none',
        duty.kind === 'none'
          ? `Filed ${delayDays} day(s) after the defect became apparent; this law sets no notification duty`
          : `Filed ${delayDays} day(s) after the defect became apparent; no guarantee in force to notify under`,
        law.statutes.notification,
      ),
    );
  } else {
    const limit = addMonths(noticed, duty.kind === 'deadline' ? duty.months : duty.safeMonths);
    const inTime = atOrBefore(filed, limit);
    notificationLost = !inTime && duty.kind === 'deadline';
    notificationReview = !inTime && duty.kind === 'reasonable_time';
    trace.push(
      entry(
        'legal_notification',
        {
          filingDelayDays: delayDays,
          duty: duty.kind,
          months: duty.kind === 'deadline' ? duty.months : duty.safeMonths,
          notifyBy: limit,
        },
        inTime ? 'passed' : 'failed',
        inTime ? 'none' : notificationLost ? 'no_cover' : 'needs_review',
        inTime
          ? `Notified ${delayDays} day(s) after the defect became apparent, in time`
          : notificationLost
            ? `Notified ${delayDays} day(s) after the defect became apparent, after the ${duty.kind === 'deadline' ? duty.months : 0}-month deadline: the legal remedies are lost`
            : `Notified ${delayDays} day(s) after the defect became apparent, later than the ${duty.kind === 'reasonable_time' ? duty.safeMonths : 0} months always held reasonable: a person judges`,
        law.statutes.notification,
      ),
    );
  }

  // legal_presumption
  const presumptionEnd =
    law.presumptionMonths > 0 ? addMonths(delivered, law.presumptionMonths) : null;
  const presumed = presumptionEnd !== null && before(noticed, presumptionEnd);
  const legalInPlay = inGuarantee && timely && !notificationLost;
  trace.push(
    !legalInPlay
      ? entry(
          'legal_presumption',
          { presumptionMonths: law.presumptionMonths },
          'not_applicable',
          'none',
          'The legal guarantee does not apply to this claim',
          law.statutes.presumption,
        )
      : entry(
          'legal_presumption',
          {
            presumptionMonths: law.presumptionMonths,
            presumptionEnd,
            noticedAt: noticed,
          },
          presumed ? 'passed' : 'failed',
          'none',
          presumed
            ? `Apparent within ${law.presumptionMonths} months of ${deliveredBasis}: presumed present at delivery unless the seller proves otherwise`
            : presumptionEnd === null
              ? 'This law presumes nothing: a lack of conformity must be established'
              : `Apparent after the presumption ended ${presumptionEnd}: a lack of conformity present at delivery must be established`,
          law.statutes.presumption,
        ),
  );

  // legal_cause
  let causeCovered = false;
  let awaitingAssessment = false;
  const assessed: Inputs = assessment
    ? {
        assessedCause: assessment.cause,
        assessedBy: assessment.assessedBy,
        method: assessment.method,
        assessedAt: assessment.assessedAt,
        serious: assessment.serious ?? null,
      }
    : { assessedCause: null };
  const claimantSays: Inputs = { suspectedCause: claim.suspectedCause ?? null };
  if (!legalInPlay) {
    trace.push(
      entry(
        'legal_cause',
        { ...assessed, ...claimantSays },
        'not_applicable',
        'none',
        'The legal guarantee does not apply to this claim',
      ),
    );
  } else if (assessment && NON_CONFORMITY_EXCLUDING_CAUSES.includes(assessment.cause)) {
    trace.push(
      entry(
        'legal_cause',
        { ...assessed, ...claimantSays },
        'failed',
        'no_cover',
        `The assessment (${assessment.method} by ${assessment.assessedBy}) established ${assessment.cause}: not a lack of conformity`,
        presumed ? law.statutes.presumption : law.statutes.guarantee,
      ),
    );
  } else if (assessment && assessment.cause === 'manufacturing') {
    causeCovered = true;
    trace.push(
      entry(
        'legal_cause',
        { ...assessed, ...claimantSays },
        'passed',
        'cover',
        `The assessment (${assessment.method} by ${assessment.assessedBy}) found a lack of conformity present at delivery`,
        law.statutes.guarantee,
      ),
    );
  } else if (presumed) {
    causeCovered = true;
    trace.push(
      entry(
        'legal_cause',
        { ...assessed, ...claimantSays },
        'passed',
        'cover',
        assessment
          ? 'The assessment could not establish the cause, so the presumption stands'
          : 'No assessment has rebutted the presumption: covered as a lack of conformity',
        law.statutes.presumption,
      ),
    );
  } else if (assessment) {
    trace.push(
      entry(
        'legal_cause',
        { ...assessed, ...claimantSays },
        'failed',
        'no_cover',
        'After the presumption period the assessment did not establish a lack of conformity present at delivery',
        law.statutes.guarantee,
      ),
    );
  } else {
    awaitingAssessment = true;
    trace.push(
      entry(
        'legal_cause',
        { ...assessed, ...claimantSays },
        'failed',
        'needs_assessment',
        "After the presumption period the cause must be established by an assessment, not by the claimant's word",
        law.statutes.guarantee,
      ),
    );
  }

  const legalCover = causeCovered && !notificationReview;
  const legalReview = causeCovered && notificationReview;

  // legal_remedy
  const legal = causeCovered ? legalRemedy(facts, delivered, lifespan) : null;
  trace.push(
    legal === null
      ? entry(
          'legal_remedy',
          { remedyRequested: claim.remedyRequested ?? null },
          'not_applicable',
          'none',
          'No legal remedy unless the legal guarantee covers the claim',
        )
      : entry(
          'legal_remedy',
          { ...legal.inputs, remedy: legal.remedy, amount: legal.amount },
          'passed',
          'none',
          legal.explanation,
          legal.statute,
        ),
  );

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

/** Remedies in their legal order, for a claim the legal guarantee covers. */
function legalRemedy(
  facts: WarrantyDecisionFacts,
  delivered: IsoDateTime,
  lifespan: number | null,
): LegalRemedy {
  const { claim, purchase, law, priorClaims, remedyRefusals } = facts;
  const price = purchase.price;
  const requested = claim.remedyRequested ?? null;
  const refused = new Set<RefusableRemedy>(remedyRefusals.map((r) => r.remedy));
  const failedBefore = priorClaims.filter(
    (c) =>
      (c.purchaseId === undefined || c.purchaseId === purchase.purchaseId) &&
      c.defectCode === claim.defect.code &&
      c.outcome === 'approved' &&
      (c.remedy === undefined || c.remedy === 'repair' || c.remedy === 'replace'),
  );
  const assessment = facts.assessments.at(-1);
  const serious = assessment?.serious === true;
  const minor = assessment?.serious === false;
  const filed = claim.filedAt;
  const ageDays = daysBetween(delivered, filed);
  const uk = law.remedyScheme === 'uk';
  const repairCost = round2(Math.min(claim.claimedAmount ?? price, price));
  const inputs: Inputs = {
    remedyRequested: requested,
    refusedRemedies: [...refused].sort(),
    failedEarlierRemedies: failedBefore.map((c) => c.claimId),
    seriousDefect: assessment?.serious ?? null,
    daysSinceDelivery: ageDays,
  };
  const cite = (provision: string): string =>
    law.key === 'EU' || uk || law.remedyScheme !== 'eu'
      ? provision
      : `${law.statutes.remedies} (${provision})`;
  const firstTierStatute = uk
    ? 'Consumer Rights Act 2015, s. 23'
    : cite(`${DIRECTIVE}, art. 13(2)`);

  if (law.remedyScheme === 'written_warranty') {
    const rule = facts.policy.terms.remedyRules.find((r) => ageDays <= r.maxAgeDays);
    const remedy = rule?.remedy ?? facts.policy.terms.defaultRemedy;
    return {
      remedy,
      amount: remedy === 'refund' ? price : repairCost,
      deductionForUse: 0,
      explanation: `${remedy}: as the written warranty provides`,
      statute: law.statutes.remedies,
      inputs,
    };
  }

  // UK and IE: the short-term right to reject, a full refund within the period.
  if (
    law.shortTermRejectDays !== null &&
    requested === 'refund' &&
    ageDays <= law.shortTermRejectDays
  ) {
    return {
      remedy: 'refund',
      amount: price,
      deductionForUse: 0,
      explanation: `Refund in full: rejected ${ageDays} day(s) after delivery, within the ${law.shortTermRejectDays}-day short-term right to reject`,
      statute: law.statutes.shortTermReject ?? law.statutes.remedies,
      inputs: { ...inputs, shortTermRejectDays: law.shortTermRejectDays },
    };
  }

  const ground: SecondTierGround | null =
    failedBefore.length > 0
      ? 'failed_remedy'
      : refused.has('repair') && refused.has('replace')
        ? 'both_refused'
        : serious && !uk
          ? 'serious'
          : null;
  const groundText: Record<SecondTierGround, string> = {
    failed_remedy: `the same defect again after an earlier ${uk ? 'repair or replacement' : 'remedy'} (${failedBefore.map((c) => c.claimId).join(', ')})`,
    both_refused: 'repair and replacement were both refused as impossible or disproportionate',
    serious: 'the lack of conformity is serious',
  };
  const groundStatute: Record<SecondTierGround, string> = uk
    ? {
        failed_remedy: 'Consumer Rights Act 2015, s. 24(5)(a)',
        both_refused: 'Consumer Rights Act 2015, s. 24(5)(b)',
        serious: 'Consumer Rights Act 2015, s. 24(5)',
      }
    : {
        failed_remedy: cite(`${DIRECTIVE}, art. 13(4)(b)`),
        both_refused: cite(`${DIRECTIVE}, art. 13(4)(a)`),
        serious: cite(`${DIRECTIVE}, art. 13(4)(c)`),
      };

  const priceReduction = (why: string, statute: string): LegalRemedy => {
    const figures = remedyRefusals
      .flatMap((r) => [r.costOfRefusedRemedy, r.costOfAlternative])
      .filter((x): x is number => x !== undefined);
    const amount =
      claim.claimedAmount !== undefined
        ? round2(Math.min(claim.claimedAmount, price))
        : figures.length > 0
          ? round2(Math.min(price, ...figures))
          : null;
    return {
      remedy: 'price_reduction',
      amount,
      deductionForUse: 0,
      explanation:
        amount === null
          ? `Price reduction: ${why}; its amount is to be agreed`
          : `Price reduction of ${amount} ${purchase.currency}: ${why}`,
      statute: `${statute}; ${uk ? 'Consumer Rights Act 2015, s. 24(1)-(4)' : cite(`${DIRECTIVE}, art. 15`)}`,
      inputs: { ...inputs, secondTierGround: ground },
    };
  };

  const refund = (why: string, statute: string): LegalRemedy => {
    // UK: a final rejection more than six months after delivery may be reduced for use.
    const months = daysBetween(delivered, filed) / 30.4375;
    const deduct =
      uk &&
      law.deductionForUseAfterMonths !== null &&
      months > law.deductionForUseAfterMonths &&
      lifespan !== null &&
      lifespan > 0
        ? round2(price * Math.min(1, months / lifespan))
        : 0;
    const amount = round2(price - deduct);
    return {
      remedy: 'refund',
      amount,
      deductionForUse: deduct,
      explanation:
        deduct > 0
          ? `${uk ? 'Final right to reject' : 'Termination'}: ${why}; refund ${amount} ${purchase.currency} after a deduction for use of ${deduct} (linear over the ${lifespan}-month expected lifespan, ${Math.floor(months)} months used)`
          : `${uk ? 'Final right to reject' : 'Termination'}: ${why}; refund ${amount} ${purchase.currency}`,
      statute: `${statute}; ${uk ? `Consumer Rights Act 2015, s. 24(8)-(10)` : cite(`${DIRECTIVE}, art. 16`)}`,
      inputs: { ...inputs, secondTierGround: ground, deductionForUse: deduct },
    };
  };

  if (requested === 'price_reduction' || requested === 'refund') {
    if (ground !== null) {
      if (requested === 'refund' && minor && !uk) {
        return priceReduction(
          `${groundText[ground]}, but a minor lack of conformity does not allow termination`,
          cite(`${DIRECTIVE}, art. 13(5)`),
        );
      }
      return requested === 'refund'
        ? refund(groundText[ground], groundStatute[ground])
        : priceReduction(groundText[ground], groundStatute[ground]);
    }
    const first: RefusableRemedy = refused.has('repair') ? 'replace' : 'repair';
    return {
      remedy: first,
      amount: repairCost,
      deductionForUse: 0,
      explanation: `${first}: ${requested} is open only after repair or replacement failed, was refused or the defect is serious; none of these applies yet`,
      statute: uk ? 'Consumer Rights Act 2015, ss. 23-24(5)' : cite(`${DIRECTIVE}, art. 13(4)`),
      inputs: { ...inputs, secondTierGround: null },
    };
  }

  const chosen: RefusableRemedy = requested ?? 'repair';
  const other: RefusableRemedy = chosen === 'repair' ? 'replace' : 'repair';
  if (!refused.has(chosen)) {
    return {
      remedy: chosen,
      amount: repairCost,
      deductionForUse: 0,
      explanation:
        requested === null
          ? 'repair: the consumer named no remedy'
          : `${chosen}: the consumer's choice`,
      statute: firstTierStatute,
      inputs,
    };
  }
  const refusal = remedyRefusals.filter((r) => r.remedy === chosen).at(-1);
  if (!refused.has(other)) {
    return {
      remedy: other,
      amount: repairCost,
      deductionForUse: 0,
      explanation: `${other}: the seller refused ${chosen} as ${refusal?.ground ?? 'impossible'} (${refusal?.reason ?? ''})`,
      statute: uk ? 'Consumer Rights Act 2015, s. 23(3)-(4)' : cite(`${DIRECTIVE}, art. 13(2)`),
      inputs,
    };
  }
  return priceReduction(groundText.both_refused, groundStatute.both_refused);
}

/** The version in force at `at`: the latest effectiveFrom <= at (ties: the higher version). */
export function policyInForce(
  versions: readonly WarrantyPolicyVersion[],
  at: IsoDateTime,
): WarrantyPolicyVersion | undefined {
  const t = toMillis(at);
  let best: WarrantyPolicyVersion | undefined;
  for (const v of versions) {
    const from = toMillis(v.effectiveFrom, 'effectiveFrom');
    if (from > t) continue;
    if (
      !best ||
      from > toMillis(best.effectiveFrom) ||
      (from === toMillis(best.effectiveFrom) && v.version > best.version)
    ) {
      best = v;
    }
  }
  return best;
}

/** sha256 hex over the canonical JSON of the facts. */
export function digestFacts(facts: AnyDecisionFacts): string {
  return sha256Hex(canonicalJson(facts));
}

/** Decides with the engine the facts were recorded for: v1 facts with v1, the rest with v2. */
export function decideWithRecordedEngine(facts: AnyDecisionFacts): WarrantyDecision {
  return isV1Facts(facts) ? decideWarrantyClaimV1(facts) : decideWarrantyClaim(facts);
}

export type RecomputationMismatch = {
  field: 'factsDigest' | 'outcome' | 'remedy' | 'coveredAmount' | 'ruleTrace' | 'engineVersion';
  recorded: unknown;
  recomputed: unknown;
};

export type Recomputation = {
  /** True when the recorded facts hash to the recorded digest and the decision is reproduced. */
  matches: boolean;
  recomputed: WarrantyDecision;
  mismatches: RecomputationMismatch[];
};

/**
 * For auditors: recompute a recorded decision from its recorded facts, with the engine version it
 * recorded (v1 decisions by the v1 rules), and compare.
 */
export function recomputeDecision(
  decided: WarrantyClaimDecided | WarrantyClaimDecided['data'],
): Recomputation {
  const data = 'data' in decided ? decided.data : decided;
  const recomputed =
    data.engineVersion === ENGINE_VERSION_V1 && isV1Facts(data.facts)
      ? decideWarrantyClaimV1(data.facts)
      : decideWithRecordedEngine(data.facts);
  const mismatches: RecomputationMismatch[] = [];
  const compare = (field: RecomputationMismatch['field'], recorded: unknown, again: unknown) => {
    if (canonicalJson(recorded) !== canonicalJson(again)) {
      mismatches.push({ field, recorded, recomputed: again });
    }
  };
  compare('engineVersion', data.engineVersion, recomputed.engineVersion);
  compare('factsDigest', data.factsDigest, recomputed.factsDigest);
  compare('outcome', data.outcome, recomputed.outcome);
  compare('remedy', data.remedy, recomputed.remedy);
  compare('coveredAmount', data.coveredAmount, recomputed.coveredAmount);
  compare('ruleTrace', data.ruleTrace, recomputed.ruleTrace);
  return { matches: mismatches.length === 0, recomputed, mismatches };
}

/**
 * Engine v2 facts for a claim engine v1 decided: the defect noticed when filed (as the v1
 * upcaster assumes), the claimant's cause kept only as suspected, no assessment yet.
 */
export function factsFromV1(
  v1: WarrantyDecisionFactsV1,
  law: ConsumerLawRow,
): WarrantyDecisionFacts {
  const c = v1.claim;
  return {
    claim: {
      claimId: c.claimId,
      customerId: c.customerId,
      purchaseId: c.purchaseId,
      serialNumber: c.serialNumber === '' ? null : c.serialNumber,
      filedAt: c.filedAt,
      noticedAt: c.filedAt,
      defect: { code: c.defect.code, description: c.defect.description },
      symptom: c.defect.description,
      suspectedCause: c.defect.cause,
      evidence: c.evidence,
      ...(c.claimedAmount !== undefined ? { claimedAmount: c.claimedAmount } : {}),
      ...(c.remedyRequested !== undefined ? { remedyRequested: c.remedyRequested } : {}),
    },
    purchase: v1.purchase,
    priorClaims: v1.priorClaims,
    policy: v1.policy,
    law,
    expectedLifespanMonths: expectedLifespanMonths(v1.purchase.productCategory),
    assessments: [],
    remedyRefusals: [],
  };
}
