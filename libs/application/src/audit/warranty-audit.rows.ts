import {
  recomputeDecision,
  upcastEvent,
  verifyChain,
  type Recomputation,
  type WarrantyClaimAssessed,
  type WarrantyClaimDecided,
  type WarrantyClaimFiled,
  type WarrantyDecisionOverridden,
  type WarrantyRemedyRefused,
} from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';

import {
  type ClaimAudit,
  type DecisionRow,
  lawOf,
  type OutcomeCounts,
  type RateRow,
} from './warranty-audit.types';

type Decided = WarrantyClaimDecided['data'];
type Overridden = WarrantyDecisionOverridden['data'];

export const round2 = (x: number): number => Math.round(x * 100) / 100;

/** Also used for a single stream read by other means (e.g. the CLI's tamper test). */
export function auditEvents(
  claimId: string,
  streamId: string,
  events: RecordedEvent[],
  chainKey?: Buffer,
): ClaimAudit {
  const chain = verifyChain(events, undefined, chainKey);
  const brokenEvent = chain.ok
    ? undefined
    : {
        revision: events[chain.brokenAt].revision.toString(),
        type: events[chain.brokenAt].type,
        id: events[chain.brokenAt].id,
      };
  const filed = events.find((e) => e.type === 'WarrantyClaimFiled');
  const decidedEvents = events.filter((e) => e.type === 'WarrantyClaimDecided');
  const decided = decidedEvents.at(-1);
  const withMeta = <D>(e: RecordedEvent) => ({
    ...(e.data as D),
    recordedAt: e.recordedAt.toISOString(),
    actor: e.metadata.actor,
  });
  const overrides = events
    .filter((e) => e.type === 'WarrantyDecisionOverridden')
    .map((e) => withMeta<Overridden>(e));
  // Every decision is recomputed with the engine version it recorded.
  const mismatches: Recomputation['mismatches'] = [];
  const decisions: ClaimAudit['decisions'] = decidedEvents.map((e) => {
    const data = e.data as Decided;
    let reproduced: boolean;
    try {
      const again = recomputeDecision(data);
      reproduced = again.matches;
      mismatches.push(...again.mismatches);
    } catch (error) {
      reproduced = false;
      mismatches.push({
        field: 'outcome',
        recorded: data.outcome,
        recomputed: `error: ${(error as Error).message}`,
      });
    }
    return {
      recordedAt: e.recordedAt.toISOString(),
      position: e.position.toString(),
      outcome: data.outcome,
      remedy: data.remedy,
      coveredAmount: data.coveredAmount,
      engineVersion: data.engineVersion,
      trigger: data.trigger ?? null,
      reproduced,
    };
  });
  const recomputation: ClaimAudit['verification']['recomputation'] =
    decidedEvents.length === 0 ? null : { matches: mismatches.length === 0, mismatches };
  let decision: ClaimAudit['decision'] = null;
  if (decided) {
    const data = decided.data as Decided;
    const policy = data.facts?.policy;
    decision = {
      recordedAt: decided.recordedAt.toISOString(),
      position: decided.position.toString(),
      outcome: data.outcome,
      remedy: data.remedy,
      coveredAmount: data.coveredAmount,
      currency: data.currency,
      decidedBy: data.decidedBy,
      engineVersion: data.engineVersion,
      facts: data.facts,
      factsDigest: data.factsDigest,
      policy: {
        policyId: data.policyId,
        version: data.policyVersion,
        effectiveFrom: policy?.effectiveFrom,
        terms: policy?.terms,
      },
      law: lawOf(data),
      ruleTrace: data.ruleTrace,
    };
  }
  // What stands: the latest of the last decision and the overrides after it.
  const lastOverride = events.filter(
    (e) =>
      e.type === 'WarrantyDecisionOverridden' &&
      (decided === undefined || e.position > decided.position),
  );
  const finalOutcome = lastOverride.length
    ? (lastOverride[lastOverride.length - 1].data as Overridden).outcome
    : (decision?.outcome ?? null);
  return {
    claimId,
    streamId,
    claim: filed ? (upcastEvent(filed).data as WarrantyClaimFiled['data']) : null,
    decision,
    decisions,
    assessments: events
      .filter((e) => e.type === 'WarrantyClaimAssessed')
      .map((e) => withMeta<WarrantyClaimAssessed['data']>(e)),
    remedyRefusals: events
      .filter((e) => e.type === 'WarrantyRemedyRefused')
      .map((e) => withMeta<WarrantyRemedyRefused['data']>(e)),
    overrides,
    finalOutcome,
    events: events.map((e) => ({
      revision: e.revision.toString(),
      type: e.type,
      recordedAt: e.recordedAt.toISOString(),
      actor: e.metadata.actor,
    })),
    verification: {
      chain: brokenEvent ? { ...chain, brokenEvent } : chain,
      recomputation,
      policyMatchesPublished: null,
      ok: chain.ok && (recomputation?.matches ?? true),
    },
  };
}

export function outcomeCounts(): OutcomeCounts {
  return { approved: 0, rejected: 0, needsReview: 0, needsAssessment: 0, approvalRate: 0 };
}

export function rateRow(key: string): RateRow {
  return { key, decisions: 0, byEngine: outcomeCounts(), afterOverrides: outcomeCounts() };
}

export function upsert(map: Map<string, RateRow>, key: string): RateRow {
  let row = map.get(key);
  if (!row) map.set(key, (row = rateRow(key)));
  return row;
}

export function tally(counts: OutcomeCounts, outcome: string, decisions: number): void {
  if (outcome === 'approved') counts.approved++;
  else if (outcome === 'rejected') counts.rejected++;
  else if (outcome === 'needs_assessment') counts.needsAssessment++;
  else counts.needsReview++;
  counts.approvalRate = round2(counts.approved / decisions);
}

export function count(row: RateRow, decision: Pick<DecisionRow, 'outcome' | 'finalOutcome'>): void {
  row.decisions++;
  tally(row.byEngine, decision.outcome, row.decisions);
  tally(row.afterOverrides, decision.finalOutcome, row.decisions);
}
