import { decideWithRecordedEngine } from '@aftercare/domain';
import { WarrantyPolicyCatalogue } from '../warranty-policy/warranty-policy.catalogue';
import { addReplayCost } from './replay-cost';
import type { WarrantyDecisionQueries } from './warranty-decision.queries';
import { round2 } from './warranty-audit.rows';
import type { DecisionQuery, PolicyReplay, ReplayCost } from './warranty-audit.types';

/**
 * What-if for policy owners: re-decides the latest decisions of the claims filed in a period
 * under another version of their policy, each with the engine it recorded, from the facts the
 * decision recorded. Reads the decisions where every door reads them (`WarrantyDecisionQueries`).
 */
export class WarrantyPolicyReplay {
  constructor(
    private readonly decisions: WarrantyDecisionQueries,
    private readonly catalogue: WarrantyPolicyCatalogue,
  ) {}

  /** Undefined when the policy has no such version. Writes nothing. */
  async replay(
    policyId: string,
    version: number,
    query: Pick<DecisionQuery, 'from' | 'to'> = {},
  ): Promise<PolicyReplay | undefined> {
    const policy = (await this.catalogue.versions(policyId)).find((v) => v.version === version);
    if (!policy) return undefined;
    const replay: PolicyReplay = { policyId, version, claims: 0, changed: [], costs: [] };
    const costs = new Map<string, ReplayCost>();
    for await (const { data } of this.decisions.recorded({
      from: query.from,
      to: query.to,
      policyId,
    })) {
      const again = decideWithRecordedEngine({ ...data.facts, policy });
      replay.claims++;
      const recordedCost = data.outcome === 'approved' ? data.coveredAmount : 0;
      const replayedCost = again.outcome === 'approved' ? again.coveredAmount : 0;
      addReplayCost(costs, data.currency, recordedCost, replayedCost);
      if (again.outcome !== data.outcome || again.coveredAmount !== data.coveredAmount) {
        replay.changed.push({
          claimId: data.claimId,
          currency: data.currency,
          recorded: {
            policyVersion: data.policyVersion,
            outcome: data.outcome,
            coveredAmount: data.coveredAmount,
          },
          replayed: { outcome: again.outcome, coveredAmount: again.coveredAmount },
          costDifference: round2(replayedCost - recordedCost),
        });
      }
    }
    replay.costs = [...costs.values()].sort((a, b) => a.currency.localeCompare(b.currency));
    return replay;
  }
}
