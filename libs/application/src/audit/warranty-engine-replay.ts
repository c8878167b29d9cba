import {
  CONSUMER_LAW,
  ENGINE_VERSION,
  customerStreamId,
  decideWarrantyClaim,
  expectedLifespanMonths,
  factsFromV1,
  isV1Facts,
  resolveConsumerLaw,
  type CustomerRegistered,
  type WarrantyClaimDecided,
  type WarrantyDecisionFacts,
} from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { addReplayCost } from './replay-cost';
import type { WarrantyDecisionQueries } from './warranty-decision.queries';
import { round2 } from './warranty-audit.rows';

type Decided = WarrantyClaimDecided['data'];

export interface EngineReplayQuery {
  /** Inclusive bounds on when the claim was filed (business time). */
  from?: string;
  to?: string;
}

/** One claim the current engine would decide differently. */
export interface EngineReplayRow {
  claimId: string;
  customerId: string;
  filedAt: string;
  /** The consumer-law row the current engine applies. */
  law: string;
  currency: string;
  recorded: {
    engineVersion: string;
    outcome: string;
    remedy: string | null;
    coveredAmount: number;
  };
  replayed: {
    engineVersion: string;
    outcome: string;
    remedy: string | null;
    coveredAmount: number;
  };
  /** What stands today after overrides (an agent may already have put it right). */
  finalOutcome: string;
  /** Replayed minus recorded engine-approved amount, in `currency`. */
  costDifference: number;
}

export interface EngineReplay {
  engineVersion: string;
  from: string | null;
  to: string | null;
  claims: number;
  changed: number;
  /** Counts of outcome changes, e.g. rejected -> approved. */
  byChange: Array<{ from: string; to: string; claims: number }>;
  /** Per currency, never added across currencies: engine-approved cost recorded and replayed. */
  costs: Array<{ currency: string; recorded: number; replayed: number; difference: number }>;
  rows: EngineReplayRow[];
}

/**
 * Remediation for a new engine version: re-decides every claim's latest decision with the current
 * engine and the current consumer-law table, and lists those that would come out differently.
 * The decisions are the ones every door reads (`WarrantyDecisionQueries`, the read model), each
 * with the facts its event recorded. Claims decided by engine v1 are lifted to v2 facts (noticed
 * when filed, the claimant's cause only suspected, the customer's country from their
 * registration). Reads only; writes nothing.
 */
export class WarrantyEngineReplay {
  constructor(
    private readonly store: EventStore,
    private readonly decisions: WarrantyDecisionQueries,
  ) {}

  async replay(query: EngineReplayQuery = {}): Promise<EngineReplay> {
    const result: EngineReplay = {
      engineVersion: ENGINE_VERSION,
      from: query.from ?? null,
      to: query.to ?? null,
      claims: 0,
      changed: 0,
      byChange: [],
      costs: [],
      rows: [],
    };
    const changes = new Map<string, { from: string; to: string; claims: number }>();
    const costs = new Map<string, EngineReplay['costs'][number]>();
    const countries = new Map<string, string | null>();
    // Each claim's latest decision in the window, re-decided.
    for await (const { row, data } of this.decisions.recorded({ from: query.from, to: query.to })) {
      const facts = await this.currentFacts(data, countries);
      const again = decideWarrantyClaim(facts);
      result.claims++;
      const recordedCost = data.outcome === 'approved' ? data.coveredAmount : 0;
      const replayedCost = again.outcome === 'approved' ? again.coveredAmount : 0;
      addReplayCost(costs, data.currency, recordedCost, replayedCost);
      const same =
        again.outcome === data.outcome &&
        again.remedy === data.remedy &&
        again.coveredAmount === data.coveredAmount;
      if (same) continue;
      result.changed++;
      const key = `${data.outcome}->${again.outcome}`;
      const change = changes.get(key) ?? { from: data.outcome, to: again.outcome, claims: 0 };
      change.claims++;
      changes.set(key, change);
      result.rows.push({
        claimId: data.claimId,
        customerId: data.customerId,
        filedAt: data.facts.claim.filedAt,
        law: facts.law.key,
        currency: data.currency,
        recorded: {
          engineVersion: data.engineVersion,
          outcome: data.outcome,
          remedy: data.remedy,
          coveredAmount: data.coveredAmount,
        },
        replayed: {
          engineVersion: again.engineVersion,
          outcome: again.outcome,
          remedy: again.remedy,
          coveredAmount: again.coveredAmount,
        },
        finalOutcome: row.finalOutcome,
        costDifference: round2(replayedCost - recordedCost),
      });
    }
    result.byChange = [...changes.values()].sort((a, b) => b.claims - a.claims);
    result.costs = [...costs.values()].sort((a, b) => a.currency.localeCompare(b.currency));
    return result;
  }

  /** The recorded facts as the current engine and law table read them. */
  private async currentFacts(
    data: Decided,
    countries: Map<string, string | null>,
  ): Promise<WarrantyDecisionFacts> {
    const facts = data.facts;
    if (isV1Facts(facts)) {
      const countryCode = await this.countryOf(data.customerId, countries);
      return factsFromV1(
        facts,
        resolveConsumerLaw({ countryCode, jurisdiction: facts.jurisdiction.code }),
      );
    }
    const current = Object.hasOwn(CONSUMER_LAW, facts.law.key)
      ? { ...CONSUMER_LAW[facts.law.key], matchedBy: facts.law.matchedBy }
      : facts.law;
    return {
      ...facts,
      law: current,
      expectedLifespanMonths: expectedLifespanMonths(facts.purchase.productCategory),
    };
  }

  private async countryOf(
    customerId: string,
    cache: Map<string, string | null>,
  ): Promise<string | null> {
    if (cache.has(customerId)) return cache.get(customerId) ?? null;
    let country: string | null = null;
    for await (const event of this.store.readStream(customerStreamId(customerId), {
      maxCount: 1,
    })) {
      if (event.type === 'CustomerRegistered') {
        country = (event.data as CustomerRegistered['data']).countryCode ?? null;
      }
    }
    cache.set(customerId, country);
    return country;
  }
}
