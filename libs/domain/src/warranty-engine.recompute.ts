import { canonicalJson } from './canonical-json';
import {
  isV1Facts,
  type AnyDecisionFacts,
  type WarrantyClaimDecided,
} from './warranty-claim.events';
import { decideWarrantyClaim } from './warranty-engine';
import {
  decideWarrantyClaimV1,
  ENGINE_VERSION_V1,
  type WarrantyDecision,
} from './warranty-engine.v1';

/** Decides with the engine the facts were recorded for: v1 facts with v1, the rest with v2. */
export function decideWithRecordedEngine(facts: AnyDecisionFacts): WarrantyDecision {
  return isV1Facts(facts) ? decideWarrantyClaimV1(facts) : decideWarrantyClaim(facts);
}

export type RecomputationMismatch = {
  field: 'factsDigest' | 'outcome' | 'remedy' | 'coveredAmount' | 'ruleTrace' | 'engineVersion';
  recorded: unknown;
  recomputed: unknown;
};

export type Recomputation = {
  /** True when the recorded facts hash to the recorded digest and the decision is reproduced. */
  matches: boolean;
  recomputed: WarrantyDecision;
  mismatches: RecomputationMismatch[];
};

/**
 * For auditors: recompute a recorded decision from its recorded facts, with the engine version it
 * recorded (v1 decisions by the v1 rules), and compare.
 */
export function recomputeDecision(
  decided: WarrantyClaimDecided | WarrantyClaimDecided['data'],
): Recomputation {
  const data = 'data' in decided ? decided.data : decided;
  const recomputed =
    data.engineVersion === ENGINE_VERSION_V1 && isV1Facts(data.facts)
      ? decideWarrantyClaimV1(data.facts)
      : decideWithRecordedEngine(data.facts);
  const mismatches: RecomputationMismatch[] = [];
  const compare = (field: RecomputationMismatch['field'], recorded: unknown, again: unknown) => {
    if (canonicalJson(recorded) !== canonicalJson(again)) {
      mismatches.push({ field, recorded, recomputed: again });
    }
  };
  compare('engineVersion', data.engineVersion, recomputed.engineVersion);
  compare('factsDigest', data.factsDigest, recomputed.factsDigest);
  compare('outcome', data.outcome, recomputed.outcome);
  compare('remedy', data.remedy, recomputed.remedy);
  compare('coveredAmount', data.coveredAmount, recomputed.coveredAmount);
  compare('ruleTrace', data.ruleTrace, recomputed.ruleTrace);
  return { matches: mismatches.length === 0, recomputed, mismatches };
}
