import type { IsoDateTime } from './domain-event';
import { daysBetween } from './time';
import type { RefusableRemedy, WarrantyDecisionFacts } from './warranty-claim.events';
import type { WarrantyRemedy } from './warranty-policy.events';
import { DIRECTIVE, round2, type Inputs } from './warranty-engine.trace';

/** Why price reduction or a refund is open at once (Directive art. 13(4); CRA s. 24(5)). */
type SecondTierGround = 'failed_remedy' | 'both_refused' | 'serious';

export type LegalRemedy = {
  remedy: WarrantyRemedy;
  /** null: a price reduction whose amount is still to be agreed. */
  amount: number | null;
  deductionForUse: number;
  explanation: string;
  statute: string;
  inputs: Inputs;
};

/** Remedies in their legal order, for a claim the legal guarantee covers. */
export function legalRemedy(
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
