import type { RuleResult } from '@aftercare/projections';
import { count, rateRow, round2, upsert } from './warranty-audit.rows';
import {
  APPROVAL_DEFINITIONS,
  type CurrencyCost,
  type DecisionQuery,
  type DecisionReport,
  type DecisionRow,
  type RateRow,
} from './warranty-audit.types';

/**
 * Sums decisions into the audit report (approval rates by policy version, product and rule, cost
 * per currency), one decision at a time, as `WarrantyDecisionQueries` reads them.
 */
export class DecisionReportBuilder {
  private readonly byVersion = new Map<string, RateRow>();
  private readonly byProduct = new Map<string, RateRow>();
  private readonly byRule = new Map<
    string,
    { passed: RateRow; failed: RateRow; notApplicable: number }
  >();
  private readonly costs = new Map<string, CurrencyCost>();
  private readonly total = rateRow('all');
  private readonly rejectedInside: DecisionRow[] = [];

  add(row: DecisionRow, rules: readonly RuleResult[]): void {
    count(this.total, row);
    count(upsert(this.byVersion, `${row.policyId}@${row.policyVersion}`), row);
    count(upsert(this.byProduct, row.productCategory), row);
    const cost = this.costs.get(row.currency) ?? {
      currency: row.currency,
      claims: 0,
      approvedByEngine: 0,
      approvedAfterOverrides: 0,
    };
    cost.claims++;
    cost.approvedByEngine = round2(cost.approvedByEngine + row.coveredAmount);
    cost.approvedAfterOverrides = round2(cost.approvedAfterOverrides + row.finalCoveredAmount);
    this.costs.set(row.currency, cost);
    if (row.insideLegalGuarantee && row.finalOutcome === 'rejected') this.rejectedInside.push(row);
    // Rules explain the engine's decision, so they are counted against its outcome.
    for (const [ruleId, result] of rules) {
      const entry = this.byRule.get(ruleId) ?? {
        passed: rateRow(ruleId),
        failed: rateRow(ruleId),
        notApplicable: 0,
      };
      if (result === 'not_applicable') entry.notApplicable++;
      else count(result === 'passed' ? entry.passed : entry.failed, row);
      this.byRule.set(ruleId, entry);
    }
  }

  build(query: DecisionQuery): DecisionReport {
    return {
      from: query.from ?? null,
      to: query.to ?? null,
      decisions: this.total.decisions,
      definitions: APPROVAL_DEFINITIONS,
      byEngine: this.total.byEngine,
      afterOverrides: this.total.afterOverrides,
      costs: [...this.costs.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      byPolicyVersion: [...this.byVersion.values()],
      byProduct: [...this.byProduct.values()],
      byRule: [...this.byRule.entries()].map(([ruleId, entry]) => ({ ruleId, ...entry })),
      rejectedInsideLegalGuarantee: this.rejectedInside,
    };
  }
}
