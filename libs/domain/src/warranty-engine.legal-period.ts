import { addMonths, daysBetween } from './time';
import { atOrBefore, before, DIRECTIVE, entry, type ClaimDates } from './warranty-engine.trace';
import type { IsoDateTime } from './domain-event';

/** Whether the legal guarantee is in play for a claim, and on what footing. */
export type LegalPeriod = {
  /** Noticed within the presumption period: presumed present at delivery. */
  presumed: boolean;
  /** In the guarantee, not time-barred and notified in time (or a person judges the notice). */
  legalInPlay: boolean;
  /** Notified later than always held reasonable: a person judges. */
  notificationReview: boolean;
};

/**
 * The legal path's periods (warranty-engine.ts): legal_law_applicable, legal_proof_of_purchase,
 * legal_limitation, legal_guarantee_period, legal_notification and legal_presumption, traced in
 * that order.
 */
export function legalPeriod(dates: ClaimDates): LegalPeriod {
  const { facts, trace, delivered, deliveredBasis, noticed, filed, lifespan, coverageMonths } =
    dates;
  const { claim, purchase, law } = facts;

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
  return { presumed, legalInPlay, notificationReview };
}
