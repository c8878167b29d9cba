import type { DefectCause } from './warranty-policy.events';

/**
 * Legal guarantees a commercial warranty cannot take away, as data. The engine reads only this
 * table, and every decision records the rules it used, so an auditor recomputes with the same law.
 */
export type JurisdictionRules = {
  code: string;
  /** Legal guarantee in months from delivery (or purchase while undelivered); 0 = none. */
  legalGuaranteeMonths: number;
  /**
   * Within this many months a defect is presumed present at delivery (burden of proof on the
   * seller). After it, the consumer must show the defect was there: unless the cause is
   * established as 'manufacturing', the claim goes to review.
   */
  presumptionMonths: number;
  /** Causes that are not a lack of conformity, hence never legally covered. */
  excludedCauses: DefectCause[];
  /** Short-term right to reject: a refund if the consumer asks for one within this many days. */
  shortTermRejectDays: number | null;
  /** Where the numbers come from, for the audit trail. */
  source: string;
};

export type JurisdictionTable = Record<string, JurisdictionRules>;

const NOT_A_LACK_OF_CONFORMITY: DefectCause[] = [
  'accidental_damage',
  'misuse',
  'unauthorised_repair',
  'wear',
];

export const DEFAULT_JURISDICTIONS: JurisdictionTable = {
  EU: {
    code: 'EU',
    legalGuaranteeMonths: 24,
    presumptionMonths: 12,
    excludedCauses: NOT_A_LACK_OF_CONFORMITY,
    // The short-term right to reject is a member-state option, not EU-wide.
    shortTermRejectDays: null,
    source: 'Directive (EU) 2019/771, arts. 10 and 11',
  },
  UK: {
    code: 'UK',
    // Claims can be brought for six years (limitation), bounded in practice by durability.
    legalGuaranteeMonths: 72,
    presumptionMonths: 6,
    excludedCauses: NOT_A_LACK_OF_CONFORMITY,
    shortTermRejectDays: 30,
    source: 'Consumer Rights Act 2015, ss. 19-24; Limitation Act 1980, s. 5',
  },
  US: {
    code: 'US',
    // Implied warranties vary by state and can be disclaimed; modelled as none.
    legalGuaranteeMonths: 0,
    presumptionMonths: 0,
    excludedCauses: NOT_A_LACK_OF_CONFORMITY,
    shortTermRejectDays: null,
    source: 'No federal statutory guarantee (Magnuson-Moss governs written warranties only)',
  },
  NONE: {
    code: 'NONE',
    legalGuaranteeMonths: 0,
    presumptionMonths: 0,
    excludedCauses: NOT_A_LACK_OF_CONFORMITY,
    shortTermRejectDays: null,
    source: 'No legal guarantee',
  },
};

/**
 * The rules for a code. A code missing from the table gets no legal guarantee (like 'NONE') under
 * its own code, so the decision's facts show which code was used and that nothing was found.
 */
export function jurisdictionRules(
  code: string,
  table: JurisdictionTable = DEFAULT_JURISDICTIONS,
): JurisdictionRules {
  const rules = Object.prototype.hasOwnProperty.call(table, code) ? table[code] : undefined;
  if (rules) return rules;
  return {
    ...DEFAULT_JURISDICTIONS.NONE,
    code,
    source: `No entry for '${code}' in the jurisdiction table: no legal guarantee`,
  };
}
