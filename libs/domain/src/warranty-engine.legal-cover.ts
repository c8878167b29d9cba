import {
  NON_CONFORMITY_EXCLUDING_CAUSES,
  type RuleEffect,
  type RuleResult,
} from './warranty-claim.events';
import { legalRemedy, type LegalRemedy } from './warranty-engine.legal-remedy';
import type { LegalPeriod } from './warranty-engine.legal-period';
import { entry, type ClaimDates, type Inputs } from './warranty-engine.trace';

/** What the legal path grants a claim. */
export type LegalCover = {
  legalCover: boolean;
  /** Covered, but whether the defect was notified in a reasonable time is for a person. */
  legalReview: boolean;
  awaitingAssessment: boolean;
  /** The remedy in its legal order, when the cause is covered. */
  legal: LegalRemedy | null;
};

/**
 * The legal path's cover (warranty-engine.ts): legal_cause, as an assessment established it (never
 * the claimant's word), then legal_remedy.
 */
export function coverByLaw(dates: ClaimDates, period: LegalPeriod): LegalCover {
  const { facts, trace, delivered, lifespan, assessment } = dates;
  const { claim, law } = facts;
  const { presumed, legalInPlay, notificationReview } = period;

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
  const cause = (
    result: RuleResult,
    effect: RuleEffect,
    explanation: string,
    statute?: string,
  ): void => {
    trace.push(
      entry('legal_cause', { ...assessed, ...claimantSays }, result, effect, explanation, statute),
    );
  };
  if (!legalInPlay) {
    cause('not_applicable', 'none', 'The legal guarantee does not apply to this claim');
  } else if (assessment && NON_CONFORMITY_EXCLUDING_CAUSES.includes(assessment.cause)) {
    cause(
      'failed',
      'no_cover',
      `The assessment (${assessment.method} by ${assessment.assessedBy}) established ${assessment.cause}: not a lack of conformity`,
      presumed ? law.statutes.presumption : law.statutes.guarantee,
    );
  } else if (assessment && assessment.cause === 'manufacturing') {
    causeCovered = true;
    cause(
      'passed',
      'cover',
      `The assessment (${assessment.method} by ${assessment.assessedBy}) found a lack of conformity present at delivery`,
      law.statutes.guarantee,
    );
  } else if (presumed) {
    causeCovered = true;
    cause(
      'passed',
      'cover',
      assessment
        ? 'The assessment could not establish the cause, so the presumption stands'
        : 'No assessment has rebutted the presumption: covered as a lack of conformity',
      law.statutes.presumption,
    );
  } else if (assessment) {
    cause(
      'failed',
      'no_cover',
      'After the presumption period the assessment did not establish a lack of conformity present at delivery',
      law.statutes.guarantee,
    );
  } else {
    awaitingAssessment = true;
    cause(
      'failed',
      'needs_assessment',
      "After the presumption period the cause must be established by an assessment, not by the claimant's word",
      law.statutes.guarantee,
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
  return { legalCover, legalReview, awaitingAssessment, legal };
}
