import {
  isV1Facts,
  WARRANTY_CLAIM_STREAM_CATEGORY,
  type WarrantyClaimDecided,
  type WarrantyDecisionOverridden,
} from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { utcInstant } from './event-data';
import { storedWarrantyDecision } from './warranty-decisions.stored';

type Decided = WarrantyClaimDecided['data'];
type Overridden = WarrantyDecisionOverridden['data'];

/** One claim's decision as the warranty audit reports it: the engine's latest, and what stands. */
export interface WarrantyDecisionRow {
  claimId: string;
  customerId: string;
  filedAt: string;
  decidedAt: string;
  recordedAt: string;
  policyId: string;
  policyVersion: number;
  /** The law applied: a consumer-law row key (DE, GB-SCT, ...) or a v1 jurisdiction code. */
  jurisdiction: string;
  engineVersion: string;
  productCategory: string;
  sku: string;
  /** The engine's outcome (its latest decision). */
  outcome: string;
  /** After overrides: the last override's outcome, else the engine's. */
  finalOutcome: string;
  remedy: string | null;
  finalRemedy: string | null;
  /** The engine's covered amount (0 unless it approved). */
  coveredAmount: number;
  /** After overrides: an override's cost is the amount it approved. */
  finalCoveredAmount: number;
  currency: string;
  overridden: boolean;
  /** Inside the legal guarantee with a cause it covers (or one still to be assessed). */
  insideLegalGuarantee: boolean;
  failedRules: string[];
}

/** A rule's result in the latest decision's trace, as `[ruleId, result]`. */
export type RuleResult = [string, 'passed' | 'failed' | 'not_applicable'];

export interface WarrantyDecisionState {
  claimId: string;
  /** Null until the claim is decided. */
  row: WarrantyDecisionRow | null;
  /** The latest decision's rule results, in trace order (the report counts them by rule). */
  rules: RuleResult[];
  /**
   * Where the latest decision is recorded (its stream revision and global position, decimal):
   * a replay reads the facts known at decision time from that event, not from a scan.
   */
  decision?: { revision: string; position: string };
}

/**
 * The row of a decision (read as stored: the audit's hashes cover the stored data), with the
 * override that followed it, if any.
 */
export function warrantyDecisionRow(
  data: Decided,
  recordedAt: string,
  override: Overridden | null,
): WarrantyDecisionRow {
  const trace = new Map(data.ruleTrace.map((r) => [r.ruleId, r]));
  const inside = isV1Facts(data.facts)
    ? trace.get('legal_guarantee_period')?.result === 'passed' &&
      trace.get('legal_guarantee_cause')?.result === 'passed'
    : trace.get('legal_guarantee_period')?.result === 'passed' &&
      trace.get('legal_limitation')?.result !== 'failed' &&
      trace.get('legal_cause')?.effect !== 'no_cover';
  const row: WarrantyDecisionRow = {
    claimId: data.claimId,
    customerId: data.customerId,
    filedAt: data.facts.claim.filedAt,
    decidedAt: data.occurredAt,
    recordedAt,
    policyId: data.policyId,
    policyVersion: data.policyVersion,
    jurisdiction: data.jurisdiction,
    engineVersion: data.engineVersion,
    productCategory: data.facts.purchase.productCategory,
    sku: data.facts.purchase.sku,
    outcome: data.outcome,
    finalOutcome: data.outcome,
    remedy: data.remedy,
    finalRemedy: data.remedy,
    coveredAmount: data.outcome === 'approved' ? data.coveredAmount : 0,
    finalCoveredAmount: data.outcome === 'approved' ? data.coveredAmount : 0,
    currency: data.currency,
    overridden: false,
    insideLegalGuarantee: inside,
    failedRules: data.ruleTrace.filter((r) => r.result === 'failed').map((r) => r.ruleId),
  };
  return override ? overriddenRow(row, override) : row;
}

/** What stands after an override: its outcome, remedy and (when it approves) amount. */
export function overriddenRow(row: WarrantyDecisionRow, override: Overridden): WarrantyDecisionRow {
  return {
    ...row,
    finalOutcome: override.outcome,
    finalRemedy: override.remedy,
    finalCoveredAmount: override.outcome === 'approved' ? override.coveredAmount : 0,
    overridden: true,
  };
}

export function evolveWarrantyDecision(
  state: WarrantyDecisionState,
  event: RecordedEvent,
): WarrantyDecisionState {
  if (event.type === 'WarrantyClaimDecided') {
    // A re-decision (after an assessment or a refusal) supersedes earlier overrides.
    const data = event.data as Decided;
    return {
      ...state,
      row: warrantyDecisionRow(data, event.recordedAt.toISOString(), null),
      rules: data.ruleTrace.map((r): RuleResult => [r.ruleId, r.result]),
      decision: { revision: event.revision.toString(), position: event.position.toString() },
    };
  }
  if (event.type === 'WarrantyDecisionOverridden' && state.row) {
    return { ...state, row: overriddenRow(state.row, event.data as Overridden) };
  }
  return state;
}

/**
 * Each warranty claim's latest decision and what stands after overrides, keyed by claimId: the
 * audit's decision list and report read it, paged by filing date, instead of reading every
 * warranty stream per request.
 */
export const warrantyDecisionsProjection: Projection<WarrantyDecisionState> = {
  name: 'warranty_decisions',
  // 2: states say where their decision is recorded (`decision`).
  // 3: stored in its compact form (`storedWarrantyDecision`).
  version: 3,
  filter: {
    categories: [WARRANTY_CLAIM_STREAM_CATEGORY],
    eventTypePrefixes: ['WarrantyClaimDecided', 'WarrantyDecisionOverridden'],
  },
  keyOf: (event) => {
    const claimId = (event.data as { claimId?: unknown } | null)?.claimId;
    return typeof claimId === 'string' ? claimId : undefined;
  },
  // A claim's (a complaint's) events are all about the customer who filed it.
  customerScope: 'customer',
  initialState: (claimId) => ({ claimId, row: null, rules: [] }),
  evolve: evolveWarrantyDecision,
  stored: storedWarrantyDecision,
  columns: {
    filedAt: (s) => (s.row ? utcInstant(s.row.filedAt) : null),
    policyId: (s) => s.row?.policyId ?? null,
    policyVersion: (s) => s.row?.policyVersion ?? null,
    outcome: (s) => s.row?.outcome ?? null,
    finalOutcome: (s) => s.row?.finalOutcome ?? null,
  },
  // Every list and report pages by filing date. A policy id or version (a few values, each
  // thousands of decisions) filters along that walk: an index on one made SQLite sort all its
  // decisions for each page instead.
  indexes: ['filedAt'],
};
