import { type WarrantyDecisionState, warrantyDecisionsProjection } from '@aftercare/projections';
import { type ColumnCondition, encodeCursor } from '@aftercare/read-models';
import type { ReadModelQueries } from '../queries/customer-queries';
import { CheckpointMemo, statusesOf } from '../queries/checkpoint-memo';
import { timeWindow } from '../time-window';
import { DecisionReportBuilder } from './decision-report';
import type { DecisionQuery, DecisionReport, DecisionRow } from './warranty-audit.types';

export interface DecisionPage {
  decisions: DecisionRow[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

const CHUNK = 5_000;

/**
 * The audit's decision list and report from the `warranty_decisions` read model: filtered on its
 * indexed columns and ordered by filing date (keyset pages), instead of reading every warranty
 * stream per request as `WarrantyAudit.decisions` does for the command line.
 */
export class WarrantyDecisionQueries {
  private readonly reports: CheckpointMemo<DecisionReport>;

  constructor(private readonly readModels: ReadModelQueries) {
    this.reports = new CheckpointMemo(statusesOf(readModels), warrantyDecisionsProjection.name);
  }

  /**
   * A page of decisions ordered by filing date (then claim id), `limit` long at most, and a cursor
   * when more rows may follow.
   */
  async page(query: DecisionQuery, limit: number, cursor?: string): Promise<DecisionPage> {
    const decisions: DecisionRow[] = [];
    let after = cursor;
    // An outcome filter matches the engine's outcome or the standing one, which one column
    // condition cannot say: pages are read until the limit is filled.
    for (;;) {
      const page = await this.readModels.list<WarrantyDecisionState>(
        warrantyDecisionsProjection.name,
        { where: conditions(query), orderBy: 'filedAt', limit, after },
      );
      for (const [i, { state }] of page.items.entries()) {
        if (!state.row || !matchesOutcome(state.row, query)) continue;
        decisions.push(state.row);
        if (decisions.length < limit) continue;
        const more = i < page.items.length - 1 || page.nextCursor !== undefined;
        return { decisions, nextCursor: more ? cursorAt(state) : null };
      }
      if (!page.nextCursor) return { decisions, nextCursor: null };
      after = page.nextCursor;
    }
  }

  /**
   * Approval rates by policy version, product and rule, and costs, over every matching decision:
   * summed once per change of the read model.
   */
  report(query: DecisionQuery): Promise<DecisionReport> {
    const key = JSON.stringify([
      query.from,
      query.to,
      query.policyId,
      query.policyVersion,
      query.outcome,
    ]);
    return this.reports.get(key, () => this.sum(query));
  }

  private async sum(query: DecisionQuery): Promise<DecisionReport> {
    const report = new DecisionReportBuilder();
    let after: string | undefined;
    do {
      const page = await this.readModels.list<WarrantyDecisionState>(
        warrantyDecisionsProjection.name,
        { where: conditions(query), orderBy: 'filedAt', limit: CHUNK, after },
      );
      for (const { state } of page.items) {
        if (state.row && matchesOutcome(state.row, query)) report.add(state.row, state.rules);
      }
      after = page.nextCursor;
    } while (after);
    return report.build(query);
  }
}

/** The keyset cursor the store would issue after this state (its filed-at column and key). */
function cursorAt(state: WarrantyDecisionState): string {
  return encodeCursor(warrantyDecisionsProjection.columns?.filedAt?.(state) ?? null, state.claimId);
}

function conditions(query: DecisionQuery): ColumnCondition[] {
  const where: ColumnCondition[] = [{ column: 'filedAt', op: '!=', value: '' }];
  const window = timeWindow(query.from, query.to);
  if (Number.isFinite(window.from)) {
    where.push({ column: 'filedAt', op: '>=', value: new Date(window.from).toISOString() });
  }
  if (Number.isFinite(window.to)) {
    where.push({ column: 'filedAt', op: '<=', value: new Date(window.to).toISOString() });
  }
  if (query.policyId !== undefined) {
    where.push({ column: 'policyId', op: '=', value: query.policyId });
  }
  if (query.policyVersion !== undefined) {
    where.push({ column: 'policyVersion', op: '=', value: query.policyVersion });
  }
  return where;
}

function matchesOutcome(row: DecisionRow, query: DecisionQuery): boolean {
  return (
    query.outcome === undefined ||
    row.outcome === query.outcome ||
    row.finalOutcome === query.outcome
  );
}
