import {
  WARRANTY_CLAIM_STREAM_CATEGORY,
  type WarrantyClaimDecided,
  type WarrantyDecisionOverridden,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import type { ReplayCost } from './warranty-audit.types';

type Decided = WarrantyClaimDecided['data'];
type Overridden = WarrantyDecisionOverridden['data'];

/** A claim's latest decision, and the override standing after it (null when there is none). */
export interface LatestDecision {
  event: RecordedEvent;
  data: Decided;
  override: Overridden | null;
}

/**
 * Each claim's latest decision for a claim filed within `window` (inclusive epoch milliseconds),
 * with the override standing after it. Two streaming passes so memory holds a few fields per
 * claim, never the decisions themselves: the first finds each claim's latest decision and any
 * override after it, the second yields. A re-decision (after an assessment or a refusal)
 * supersedes earlier overrides.
 */
export async function* latestDecisions(
  store: EventStore,
  window: { from: number; to: number },
): AsyncIterable<LatestDecision> {
  const latest = new Map<string, { position: bigint; override: Overridden | null }>();
  for await (const event of store.readAll({
    filter: {
      categories: [WARRANTY_CLAIM_STREAM_CATEGORY],
      eventTypePrefixes: ['WarrantyClaimDecided', 'WarrantyDecisionOverridden'],
    },
  })) {
    const claimId = (event.data as { claimId: string }).claimId;
    if (event.type === 'WarrantyClaimDecided') {
      latest.set(claimId, { position: event.position, override: null });
    } else {
      const seen = latest.get(claimId);
      if (seen) seen.override = event.data as Overridden;
    }
  }
  for await (const event of store.readAll({
    filter: {
      categories: [WARRANTY_CLAIM_STREAM_CATEGORY],
      eventTypePrefixes: ['WarrantyClaimDecided'],
    },
  })) {
    const data = event.data as Decided;
    const seen = latest.get(data.claimId);
    if (!seen || seen.position !== event.position) continue;
    const at = Date.parse(data.facts.claim.filedAt);
    if (at < window.from || at > window.to) continue;
    yield { event, data, override: seen.override };
  }
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Adds one replayed claim to the per-currency costs (never added across currencies): what the
 * engine approved as recorded and as replayed, each 0 unless approved.
 */
export function addReplayCost(
  costs: Map<string, ReplayCost>,
  currency: string,
  recordedCost: number,
  replayedCost: number,
): void {
  const cost = costs.get(currency) ?? { currency, recorded: 0, replayed: 0, difference: 0 };
  cost.recorded = round2(cost.recorded + recordedCost);
  cost.replayed = round2(cost.replayed + replayedCost);
  cost.difference = round2(cost.replayed - cost.recorded);
  costs.set(currency, cost);
}
