import {
  canonicalJson,
  decideWithRecordedEngine,
  isV1Facts,
  recomputeDecision,
  upcastEvent,
  verifyChain,
  warrantyClaimStreamId,
  type ChainVerification,
  type ConsumerLawRow,
  type JurisdictionRules,
  type Recomputation,
  type WarrantyClaimAssessed,
  type WarrantyClaimDecided,
  type WarrantyClaimFiled,
  type WarrantyDecisionOverridden,
  type WarrantyPolicyPublished,
  type WarrantyPolicyVersion,
  type WarrantyRemedyRefused,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { type AuditKeys, loadAuditKeys } from '../crypto/audit-keys';
import { timeWindow } from '../time-window';
import { AuditCheckpoints, type IntegrityFinding } from './audit-checkpoints';

type Decided = WarrantyClaimDecided['data'];
type Overridden = WarrantyDecisionOverridden['data'];

/** The law a decision applied: engine v1 recorded jurisdiction rules, v2 a consumer-law row. */
export function lawOf(data: Decided): ConsumerLawRow | JurisdictionRules {
  return isV1Facts(data.facts) ? data.facts.jurisdiction : data.facts.law;
}

/** Everything an auditor needs to explain, recompute and verify one warranty claim. */
export interface ClaimAudit {
  claimId: string;
  streamId: string;
  /** As filed, lifted to the current shape (the stored data is what the chain covers). */
  claim: WarrantyClaimFiled['data'] | null;
  /** The latest decision: the one in effect unless overridden. */
  decision: {
    recordedAt: string;
    position: string;
    outcome: Decided['outcome'];
    remedy: Decided['remedy'];
    coveredAmount: number;
    currency: string;
    decidedBy: Decided['decidedBy'];
    engineVersion: string;
    /** The facts exactly as recorded with the decision (as known at its record time). */
    facts: Decided['facts'];
    factsDigest: string;
    policy: { policyId: string; version: number; effectiveFrom: string; terms: unknown };
    law: ConsumerLawRow | JurisdictionRules;
    ruleTrace: Decided['ruleTrace'];
  } | null;
  /** Every decision in order: on filing, then after each assessment or refusal. */
  decisions: Array<{
    recordedAt: string;
    position: string;
    outcome: Decided['outcome'];
    remedy: Decided['remedy'];
    coveredAmount: number;
    engineVersion: string;
    trigger: Decided['trigger'] | null;
    reproduced: boolean;
  }>;
  assessments: Array<
    WarrantyClaimAssessed['data'] & { recordedAt: string; actor: string | undefined }
  >;
  remedyRefusals: Array<
    WarrantyRemedyRefused['data'] & { recordedAt: string; actor: string | undefined }
  >;
  overrides: Array<Overridden & { recordedAt: string; actor: string | undefined }>;
  /** The outcome standing now: the last override's, else the decision's. */
  finalOutcome: string | null;
  events: Array<{ revision: string; type: string; recordedAt: string; actor: string | undefined }>;
  verification: {
    chain: ChainVerification & { brokenEvent?: { revision: string; type: string; id: string } };
    /** Every decision recomputed with the engine version it recorded; mismatches of any. */
    recomputation: Pick<Recomputation, 'matches' | 'mismatches'> | null;
    /** The policy version recorded with the decision is the one published in its policy stream. */
    policyMatchesPublished: boolean | null;
    ok: boolean;
  };
}

/** One claim's decision: the engine's latest, and what stands after overrides. */
export interface DecisionRow {
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

export interface DecisionQuery {
  outcome?: string;
  policyId?: string;
  policyVersion?: number;
  /** Inclusive bounds on when the claim was filed (business time). */
  from?: string;
  to?: string;
}

export interface OutcomeCounts {
  approved: number;
  rejected: number;
  needsReview: number;
  needsAssessment: number;
  approvalRate: number;
}

/** Counted twice, each labelled: as the engine decided, and as it stands after overrides. */
export interface RateRow {
  key: string;
  decisions: number;
  byEngine: OutcomeCounts;
  afterOverrides: OutcomeCounts;
}

/** Money in one currency; figures in different currencies are never added. */
export interface CurrencyCost {
  currency: string;
  claims: number;
  /** Sum of covered amounts the engine approved. */
  approvedByEngine: number;
  /** Sum after overrides: an override that approves costs the amount it approved. */
  approvedAfterOverrides: number;
}

export const APPROVAL_DEFINITIONS = {
  byEngine: "approved by the warranty engine's latest decision, before any override",
  afterOverrides: "approved as it stands: the last override's outcome, else the engine's",
} as const;

export interface DecisionReport {
  from: string | null;
  to: string | null;
  decisions: number;
  definitions: typeof APPROVAL_DEFINITIONS;
  byEngine: OutcomeCounts;
  afterOverrides: OutcomeCounts;
  costs: CurrencyCost[];
  byPolicyVersion: RateRow[];
  byProduct: RateRow[];
  /** Per rule: decisions where it passed / failed, counted against the engine's outcome. */
  byRule: Array<{ ruleId: string; passed: RateRow; failed: RateRow; notApplicable: number }>;
  /** The ones an auditor looks at first: rejected after overrides. */
  rejectedInsideLegalGuarantee: DecisionRow[];
}

export interface ReplayCost {
  currency: string;
  recorded: number;
  replayed: number;
  difference: number;
}

export interface PolicyReplay {
  policyId: string;
  version: number;
  claims: number;
  changed: Array<{
    claimId: string;
    currency: string;
    recorded: { policyVersion: number; outcome: string; coveredAmount: number };
    replayed: { outcome: string; coveredAmount: number };
    costDifference: number;
  }>;
  /** Engine-approved cost recorded and replayed, per currency. */
  costs: ReplayCost[];
}

const round2 = (x: number): number => Math.round(x * 100) / 100;

/**
 * Reads warranty claim streams as stored (before any upcasting, since hashes cover the stored
 * data) and explains, recomputes and verifies decisions. Read-only: nothing here appends.
 */
export class WarrantyAudit {
  private loadedKeys?: AuditKeys;

  constructor(
    private readonly store: EventStore,
    /** The chain and signing keys; read from the environment (and key files) when first needed. */
    private readonly auditKeys?: AuditKeys,
  ) {}

  private keys(): AuditKeys {
    return (this.loadedKeys ??= this.auditKeys ?? loadAuditKeys());
  }

  async claim(claimId: string): Promise<ClaimAudit | undefined> {
    const streamId = warrantyClaimStreamId(claimId);
    const events: RecordedEvent[] = [];
    for await (const event of this.store.readStream(streamId)) events.push(event);
    if (events.length === 0) return undefined;
    const audit = auditEvents(claimId, streamId, events, this.keys().chainKey);
    if (audit.decision) {
      const published = await this.policyVersions(audit.decision.policy.policyId);
      const version = published.find((v) => v.version === audit.decision?.policy.version);
      const matches =
        version !== undefined &&
        canonicalJson(version) === canonicalJson(audit.decision.facts.policy);
      audit.verification.policyMatchesPublished = matches;
      audit.verification.ok = audit.verification.ok && matches;
    }
    return audit;
  }

  /**
   * Each claim's latest decision matching the query, with what stands after overrides. Two
   * streaming passes so memory holds a few fields per claim, never the decisions themselves:
   * the first finds each claim's latest decision and any override after it, the second yields.
   */
  private async *decidedClaims(
    query: DecisionQuery,
  ): AsyncIterable<{ row: DecisionRow; data: Decided }> {
    const window = timeWindow(query.from, query.to);
    const latest = new Map<string, { position: bigint; override: Overridden | null }>();
    for await (const event of this.store.readAll({
      filter: {
        categories: ['warranty'],
        eventTypePrefixes: ['WarrantyClaimDecided', 'WarrantyDecisionOverridden'],
      },
    })) {
      const claimId = (event.data as { claimId: string }).claimId;
      if (event.type === 'WarrantyClaimDecided') {
        // A re-decision (after an assessment or a refusal) supersedes earlier overrides.
        latest.set(claimId, { position: event.position, override: null });
      } else {
        const seen = latest.get(claimId);
        if (seen) seen.override = event.data as Overridden;
      }
    }
    for await (const event of this.store.readAll({
      filter: { categories: ['warranty'], eventTypePrefixes: ['WarrantyClaimDecided'] },
    })) {
      const data = event.data as Decided;
      const seen = latest.get(data.claimId);
      if (!seen || seen.position !== event.position) continue;
      const at = Date.parse(data.facts.claim.filedAt);
      if (at < window.from || at > window.to) continue;
      if (query.policyId !== undefined && data.policyId !== query.policyId) continue;
      if (query.policyVersion !== undefined && data.policyVersion !== query.policyVersion) continue;
      const row = decisionRow(event, seen.override);
      if (
        query.outcome !== undefined &&
        row.outcome !== query.outcome &&
        row.finalOutcome !== query.outcome
      ) {
        continue;
      }
      yield { row, data };
    }
  }

  async policyVersions(policyId: string): Promise<WarrantyPolicyVersion[]> {
    const versions: WarrantyPolicyVersion[] = [];
    for await (const event of this.store.readStream(`warrantyPolicy-${policyId}`)) {
      if (event.type !== 'WarrantyPolicyPublished') continue;
      const data = event.data as WarrantyPolicyPublished['data'];
      versions.push({
        policyId: data.policyId,
        version: data.version,
        effectiveFrom: data.effectiveFrom,
        terms: data.terms,
      });
    }
    return versions;
  }

  /** Ids of every warranty claim, in the order they were filed. */
  async *claimIds(): AsyncIterable<string> {
    const filter = { categories: ['warranty'], eventTypePrefixes: ['WarrantyClaimFiled'] };
    for await (const event of this.store.readAll({ filter })) {
      yield (event.data as { claimId: string }).claimId;
    }
  }

  /**
   * Checks every claim's chain and decision, then every warranty stream against the latest
   * signed checkpoint: `integrity` names each stream edited, truncated, deleted or rewritten.
   * With `onProgress`, claims are counted first (one filtered pass) so progress has a total.
   */
  async verifyAll(
    onProgress?: (done: number, total: number) => void,
  ): Promise<{ checked: number; failures: ClaimAudit[]; integrity: IntegrityFinding[] }> {
    let total = 0;
    if (onProgress) for await (const _ of this.claimIds()) total++;
    let checked = 0;
    const failures: ClaimAudit[] = [];
    for await (const claimId of this.claimIds()) {
      const audit = await this.claim(claimId);
      checked++;
      if (audit && !audit.verification.ok) failures.push(audit);
      onProgress?.(checked, Math.max(total, checked));
    }
    const { findings } = await this.checkpoints().verify();
    // A broken chain is already named by its claim's audit; say it once.
    const chainBroken = new Set(
      failures.filter((f) => !f.verification.chain.ok).map((f) => f.streamId),
    );
    const integrity = findings.filter((f) => !(f.kind === 'edited' && chainBroken.has(f.streamId)));
    return { checked, failures, integrity };
  }

  /** Signed checkpoints of the warranty streams (see audit-checkpoints.ts). */
  checkpoints(): AuditCheckpoints {
    return new AuditCheckpoints(this.store, this.keys());
  }

  /** Decisions in global order with the overrides that followed them, filtered. */
  async *decisions(query: DecisionQuery = {}): AsyncIterable<DecisionRow> {
    for await (const { row } of this.decidedClaims(query)) yield row;
  }

  async report(query: DecisionQuery = {}): Promise<DecisionReport> {
    const byVersion = new Map<string, RateRow>();
    const byProduct = new Map<string, RateRow>();
    const byRule = new Map<string, { passed: RateRow; failed: RateRow; notApplicable: number }>();
    const costs = new Map<string, CurrencyCost>();
    const total = rateRow('all');
    const rejectedInside: DecisionRow[] = [];
    for await (const { row, data } of this.decidedClaims(query)) {
      count(total, row);
      count(upsert(byVersion, `${row.policyId}@${row.policyVersion}`), row);
      count(upsert(byProduct, row.productCategory), row);
      const cost = costs.get(row.currency) ?? {
        currency: row.currency,
        claims: 0,
        approvedByEngine: 0,
        approvedAfterOverrides: 0,
      };
      cost.claims++;
      cost.approvedByEngine = round2(cost.approvedByEngine + row.coveredAmount);
      cost.approvedAfterOverrides = round2(cost.approvedAfterOverrides + row.finalCoveredAmount);
      costs.set(row.currency, cost);
      if (row.insideLegalGuarantee && row.finalOutcome === 'rejected') rejectedInside.push(row);
      // Rules explain the engine's decision, so they are counted against its outcome.
      for (const rule of data.ruleTrace) {
        const entry = byRule.get(rule.ruleId) ?? {
          passed: rateRow(rule.ruleId),
          failed: rateRow(rule.ruleId),
          notApplicable: 0,
        };
        if (rule.result === 'not_applicable') entry.notApplicable++;
        else count(rule.result === 'passed' ? entry.passed : entry.failed, row);
        byRule.set(rule.ruleId, entry);
      }
    }
    return {
      from: query.from ?? null,
      to: query.to ?? null,
      decisions: total.decisions,
      definitions: APPROVAL_DEFINITIONS,
      byEngine: total.byEngine,
      afterOverrides: total.afterOverrides,
      costs: [...costs.values()].sort((a, b) => a.currency.localeCompare(b.currency)),
      byPolicyVersion: [...byVersion.values()],
      byProduct: [...byProduct.values()],
      byRule: [...byRule.entries()].map(([ruleId, entry]) => ({ ruleId, ...entry })),
      rejectedInsideLegalGuarantee: rejectedInside,
    };
  }

  /**
   * What-if: re-decides the claims filed in the period under another version of a policy, with
   * the engine each decision recorded, and reports the decisions that would change and the
   * engine-approved cost per currency. Writes nothing.
   */
  async replayPolicy(
    policyId: string,
    version: number,
    query: DecisionQuery = {},
  ): Promise<PolicyReplay | undefined> {
    const policy = (await this.policyVersions(policyId)).find((v) => v.version === version);
    if (!policy) return undefined;
    const replay: PolicyReplay = { policyId, version, claims: 0, changed: [], costs: [] };
    const costs = new Map<string, ReplayCost>();
    for await (const { data } of this.decidedClaims({
      ...query,
      policyId,
      policyVersion: undefined,
    })) {
      const again = decideWithRecordedEngine({ ...data.facts, policy });
      replay.claims++;
      const recordedCost = data.outcome === 'approved' ? data.coveredAmount : 0;
      const replayedCost = again.outcome === 'approved' ? again.coveredAmount : 0;
      const cost = costs.get(data.currency) ?? {
        currency: data.currency,
        recorded: 0,
        replayed: 0,
        difference: 0,
      };
      cost.recorded = round2(cost.recorded + recordedCost);
      cost.replayed = round2(cost.replayed + replayedCost);
      cost.difference = round2(cost.replayed - cost.recorded);
      costs.set(data.currency, cost);
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

function decisionRow(event: RecordedEvent, override: Overridden | null): DecisionRow {
  const data = event.data as Decided;
  const trace = new Map(data.ruleTrace.map((r) => [r.ruleId, r]));
  const inside = isV1Facts(data.facts)
    ? trace.get('legal_guarantee_period')?.result === 'passed' &&
      trace.get('legal_guarantee_cause')?.result === 'passed'
    : trace.get('legal_guarantee_period')?.result === 'passed' &&
      trace.get('legal_limitation')?.result !== 'failed' &&
      trace.get('legal_cause')?.effect !== 'no_cover';
  const finalOutcome = override?.outcome ?? data.outcome;
  return {
    claimId: data.claimId,
    customerId: data.customerId,
    filedAt: data.facts.claim.filedAt,
    decidedAt: data.occurredAt,
    recordedAt: event.recordedAt.toISOString(),
    policyId: data.policyId,
    policyVersion: data.policyVersion,
    jurisdiction: data.jurisdiction,
    engineVersion: data.engineVersion,
    productCategory: data.facts.purchase.productCategory,
    sku: data.facts.purchase.sku,
    outcome: data.outcome,
    finalOutcome,
    remedy: data.remedy,
    finalRemedy: override ? override.remedy : data.remedy,
    coveredAmount: data.outcome === 'approved' ? data.coveredAmount : 0,
    finalCoveredAmount:
      finalOutcome === 'approved' ? (override?.coveredAmount ?? data.coveredAmount) : 0,
    currency: data.currency,
    overridden: override !== null,
    insideLegalGuarantee: inside,
    failedRules: data.ruleTrace.filter((r) => r.result === 'failed').map((r) => r.ruleId),
  };
}

function outcomeCounts(): OutcomeCounts {
  return { approved: 0, rejected: 0, needsReview: 0, needsAssessment: 0, approvalRate: 0 };
}

function rateRow(key: string): RateRow {
  return { key, decisions: 0, byEngine: outcomeCounts(), afterOverrides: outcomeCounts() };
}

function upsert(map: Map<string, RateRow>, key: string): RateRow {
  let row = map.get(key);
  if (!row) map.set(key, (row = rateRow(key)));
  return row;
}

function tally(counts: OutcomeCounts, outcome: string, decisions: number): void {
  if (outcome === 'approved') counts.approved++;
  else if (outcome === 'rejected') counts.rejected++;
  else if (outcome === 'needs_assessment') counts.needsAssessment++;
  else counts.needsReview++;
  counts.approvalRate = round2(counts.approved / decisions);
}

function count(row: RateRow, decision: Pick<DecisionRow, 'outcome' | 'finalOutcome'>): void {
  row.decisions++;
  tally(row.byEngine, decision.outcome, row.decisions);
  tally(row.afterOverrides, decision.finalOutcome, row.decisions);
}
