import { round2 } from './warranty-audit.rows';
import type { ReplayCost } from './warranty-audit.types';

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
