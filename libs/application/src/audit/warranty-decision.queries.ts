import { warrantyClaimStreamId, type WarrantyClaimDecided } from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { type WarrantyDecisionState, warrantyDecisionsProjection } from '@aftercare/projections';
import { type ColumnCondition, encodeCursor } from '@aftercare/read-models';
import type { ReadModelQueries } from '../queries/customer-queries';
import { CheckpointMemo, statusesOf } from '../queries/checkpoint-memo';
import { timeWindow } from '../time-window';
import { DecisionReportBuilder } from './decision-report';
import type { DecisionQuery, DecisionReport, DecisionRow } from './warranty-audit.types';

type Decided = WarrantyClaimDecided['data'];

export interface DecisionPage {
  decisions: DecisionRow[];
  /** Pass back as `cursor` for the next page; null on the last one. */
  nextCursor: string | null;
}

/** A claim's latest decision as the read model holds it, with the decision event's own data. */
export interface RecordedDecision {
  row: DecisionRow;
  /** The `WarrantyClaimDecided` data as stored: the facts known at decision time. */
  data: Decided;
}

const CHUNK = 5_000;

/**
 * The one read path for warranty decisions: the `warranty_decisions` read model, filtered on its
 * columns and ordered by filing date (keyset pages). The API's decision list, the audit
 * report (API and CLI), the CSV export and the policy and engine replays all read it here, so
 * every door counts the same decisions, approved "by the engine" and "after overrides" alike.
 * Readers state or ensure its freshness themselves (API headers, the CLI's catch-up).
 */
export class WarrantyDecisionQueries {
  private readonly reports: CheckpointMemo<DecisionReport>;

  constructor(
    private readonly readModels: ReadModelQueries,
    /** Where the replays read each decision's recorded facts; not needed by lists and reports. */
    private readonly store?: EventStore,
  ) {
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

  /** Every matching decision, by filing date, read in chunks (exports, CSV reports). */
  async *decisions(query: DecisionQuery = {}): AsyncIterable<DecisionRow> {
    for await (const state of this.states(query)) if (state.row) yield state.row;
  }

  /**
   * Every matching decision with the data its `WarrantyClaimDecided` event recorded (facts,
   * policy, rule trace), read from the claim's stream at the revision the read model names.
   */
  async *recorded(query: DecisionQuery = {}): AsyncIterable<RecordedDecision> {
    const store = this.store;
    if (!store) throw new Error('Reading recorded decisions needs the event store');
    for await (const state of this.states(query)) {
      const row = state.row;
      if (!row || !state.decision) continue;
      for await (const event of store.readStream(warrantyClaimStreamId(row.claimId), {
        fromRevision: BigInt(state.decision.revision),
        maxCount: 1,
      })) {
        if (event.type === 'WarrantyClaimDecided') yield { row, data: event.data as Decided };
      }
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
    for await (const state of this.states(query)) if (state.row) report.add(state.row, state.rules);
    return report.build(query);
  }

  private async *states(query: DecisionQuery): AsyncIterable<WarrantyDecisionState> {
    let after: string | undefined;
    do {
      const page = await this.readModels.list<WarrantyDecisionState>(
        warrantyDecisionsProjection.name,
        { where: conditions(query), orderBy: 'filedAt', limit: CHUNK, after },
      );
      for (const { state } of page.items) {
        if (state.row && matchesOutcome(state.row, query)) yield state;
      }
      after = page.nextCursor;
    } while (after);
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
