import type { StoredForm } from './projection';
import { instantIn, instantOut, type StoredInstant as At } from './stored-form';
import type {
  RuleResult,
  WarrantyDecisionRow,
  WarrantyDecisionState,
} from './warranty-decisions.projection';

/**
 * A claim's decision as stored: arrays in the state's field order, without the claim id (the key)
 * or field names, and each rule's result as its index in `RESULTS` (a result not listed there is
 * kept as its text).
 */

const RESULTS: readonly string[] = ['passed', 'failed', 'not_applicable'];

type RowRow = [
  customerId: string,
  filedAt: At,
  decidedAt: At,
  recordedAt: At,
  policyId: string,
  policyVersion: number,
  jurisdiction: string,
  engineVersion: string,
  productCategory: string,
  sku: string,
  outcome: string,
  finalOutcome: string,
  remedy: string | null,
  finalRemedy: string | null,
  coveredAmount: number,
  finalCoveredAmount: number,
  currency: string,
  overridden: boolean,
  insideLegalGuarantee: boolean,
  failedRules: string[],
];
type DecisionRow = [
  row: RowRow | null,
  rules: [ruleId: string, result: number | string][],
  decision: [revision: string, position: string] | null,
];

function rowOut(r: WarrantyDecisionRow): RowRow {
  return [
    r.customerId,
    instantOut(r.filedAt),
    instantOut(r.decidedAt),
    instantOut(r.recordedAt),
    r.policyId,
    r.policyVersion,
    r.jurisdiction,
    r.engineVersion,
    r.productCategory,
    r.sku,
    r.outcome,
    r.finalOutcome,
    r.remedy,
    r.finalRemedy,
    r.coveredAmount,
    r.finalCoveredAmount,
    r.currency,
    r.overridden,
    r.insideLegalGuarantee,
    r.failedRules,
  ];
}

function rowIn(r: RowRow, claimId: string): WarrantyDecisionRow {
  return {
    claimId,
    customerId: r[0],
    filedAt: instantIn(r[1]),
    decidedAt: instantIn(r[2]),
    recordedAt: instantIn(r[3]),
    policyId: r[4],
    policyVersion: r[5],
    jurisdiction: r[6],
    engineVersion: r[7],
    productCategory: r[8],
    sku: r[9],
    outcome: r[10],
    finalOutcome: r[11],
    remedy: r[12],
    finalRemedy: r[13],
    coveredAmount: r[14],
    finalCoveredAmount: r[15],
    currency: r[16],
    overridden: r[17],
    insideLegalGuarantee: r[18],
    failedRules: r[19],
  };
}

export const storedWarrantyDecision: StoredForm<WarrantyDecisionState> = {
  encode: (s): DecisionRow => [
    s.row ? rowOut(s.row) : null,
    s.rules.map(([ruleId, result]) => {
      const index = RESULTS.indexOf(result);
      return [ruleId, index >= 0 ? index : result];
    }),
    s.decision ? [s.decision.revision, s.decision.position] : null,
  ],
  decode: (stored, claimId) => {
    const [row, rules, decision] = stored as DecisionRow;
    const state: WarrantyDecisionState = {
      claimId,
      row: row ? rowIn(row, claimId) : null,
      rules: rules.map(
        ([ruleId, result]) =>
          [ruleId, typeof result === 'number' ? RESULTS[result] : result] as RuleResult,
      ),
    };
    // Absent until the claim is decided, as the fold leaves it.
    if (decision) state.decision = { revision: decision[0], position: decision[1] };
    return state;
  },
};
