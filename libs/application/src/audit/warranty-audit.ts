import {
  canonicalJson,
  decideWarrantyClaim,
  recomputeDecision,
  verifyChain,
  warrantyClaimStreamId,
  type ChainVerification,
  type Recomputation,
  type WarrantyClaimDecided,
  type WarrantyClaimFiled,
  type WarrantyDecisionOverridden,
  type WarrantyPolicyPublished,
  type WarrantyPolicyVersion,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { type AuditKeys, loadAuditKeys } from '../crypto/audit-keys';
import { timeWindow } from '../time-window';
import { AuditCheckpoints, type IntegrityFinding } from './audit-checkpoints';

type Decided = WarrantyClaimDecided['data'];
type Overridden = WarrantyDecisionOverridden['data'];

/** Everything an auditor needs to explain, recompute and verify one warranty claim. */
export interface ClaimAudit {
  claimId: string;
  streamId: string;
  claim: WarrantyClaimFiled['data'] | null;
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
    jurisdiction: Decided['facts']['jurisdiction'];
    ruleTrace: Decided['ruleTrace'];
  } | null;
  overrides: Array<Overridden & { recordedAt: string; actor: string | undefined }>;
  /** The outcome standing now: the last override's, else the decision's. */
  finalOutcome: string | null;
  events: Array<{ revision: string; type: string; recordedAt: string; actor: string | undefined }>;
  verification: {
    chain: ChainVerification & { brokenEvent?: { revision: string; type: string; id: string } };
    recomputation: Pick<Recomputation, 'matches' | 'mismatches'> | null;
    /** The policy version recorded with the decision is the one published in its policy stream. */
    policyMatchesPublished: boolean | null;
    ok: boolean;
  };
}

export interface DecisionRow {
  claimId: string;
  customerId: string;
  decidedAt: string;
  recordedAt: string;
  policyId: string;
  policyVersion: number;
  jurisdiction: string;
  productCategory: string;
  sku: string;
  outcome: string;
  finalOutcome: string;
  remedy: string | null;
  coveredAmount: number;
  currency: string;
  /** Inside the jurisdiction's legal guarantee period with a cause it covers. */
  insideLegalGuarantee: boolean;
  failedRules: string[];
}

export interface DecisionQuery {
  outcome?: string;
  policyId?: string;
  policyVersion?: number;
  /** Inclusive bounds on the decision's business time (occurredAt). */
  from?: string;
  to?: string;
}

export interface RateRow {
  key: string;
  decisions: number;
  approved: number;
  rejected: number;
  needsReview: number;
  approvalRate: number;
}

export interface DecisionReport {
  from: string | null;
  to: string | null;
  decisions: number;
  approvalRate: number;
  byPolicyVersion: RateRow[];
  byProduct: RateRow[];
  /** Per rule: decisions where it passed / failed, and the approval rate in each group. */
  byRule: Array<{ ruleId: string; passed: RateRow; failed: RateRow; notApplicable: number }>;
  /** The ones an auditor looks at first. */
  rejectedInsideLegalGuarantee: DecisionRow[];
}

export interface PolicyReplay {
  policyId: string;
  version: number;
  claims: number;
  changed: Array<{
    claimId: string;
    recorded: { policyVersion: number; outcome: string; coveredAmount: number };
    replayed: { outcome: string; coveredAmount: number };
    costDifference: number;
  }>;
  recordedCost: number;
  replayedCost: number;
  costDifference: number;
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

  /** Decisions matching the query, with the final outcome after overrides. */
  private async *decidedClaims(
    query: DecisionQuery,
  ): AsyncIterable<{ row: DecisionRow; data: Decided }> {
    const window = timeWindow(query.from, query.to);
    const overrides = new Map<string, string>();
    for await (const event of this.store.readAll({
      filter: { categories: ['warranty'], eventTypePrefixes: ['WarrantyDecisionOverridden'] },
    })) {
      const data = event.data as Overridden;
      overrides.set(data.claimId, data.outcome);
    }
    for await (const event of this.store.readAll({
      filter: { categories: ['warranty'], eventTypePrefixes: ['WarrantyClaimDecided'] },
    })) {
      const data = event.data as Decided;
      const at = Date.parse(data.occurredAt);
      if (at < window.from || at > window.to) continue;
      if (query.policyId !== undefined && data.policyId !== query.policyId) continue;
      if (query.policyVersion !== undefined && data.policyVersion !== query.policyVersion) continue;
      const row = decisionRow(event, overrides.get(data.claimId));
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
    const total = rateRow('all');
    const rejectedInside: DecisionRow[] = [];
    for await (const { row, data } of this.decidedClaims(query)) {
      count(total, row.finalOutcome);
      count(upsert(byVersion, `${row.policyId}@${row.policyVersion}`), row.finalOutcome);
      count(upsert(byProduct, row.productCategory), row.finalOutcome);
      if (row.insideLegalGuarantee && row.finalOutcome === 'rejected') rejectedInside.push(row);
      // Rules explain the engine's decision, so they are counted against its outcome.
      for (const rule of data.ruleTrace) {
        const entry = byRule.get(rule.ruleId) ?? {
          passed: rateRow(rule.ruleId),
          failed: rateRow(rule.ruleId),
          notApplicable: 0,
        };
        if (rule.result === 'not_applicable') entry.notApplicable++;
        else count(rule.result === 'passed' ? entry.passed : entry.failed, data.outcome);
        byRule.set(rule.ruleId, entry);
      }
    }
    return {
      from: query.from ?? null,
      to: query.to ?? null,
      decisions: total.decisions,
      approvalRate: total.approvalRate,
      byPolicyVersion: [...byVersion.values()],
      byProduct: [...byProduct.values()],
      byRule: [...byRule.entries()].map(([ruleId, entry]) => ({ ruleId, ...entry })),
      rejectedInsideLegalGuarantee: rejectedInside,
    };
  }

  /**
   * What-if: re-decides the claims decided in the period under another version of a policy and
   * reports the decisions that would change and the cost difference. Writes nothing.
   */
  async replayPolicy(
    policyId: string,
    version: number,
    query: DecisionQuery = {},
  ): Promise<PolicyReplay | undefined> {
    const versions: WarrantyPolicyVersion[] = [];
    for await (const event of this.store.readStream(`warrantyPolicy-${policyId}`)) {
      if (event.type === 'WarrantyPolicyPublished') {
        const data = event.data as WarrantyPolicyPublished['data'];
        versions.push({
          policyId: data.policyId,
          version: data.version,
          effectiveFrom: data.effectiveFrom,
          terms: data.terms,
        });
      }
    }
    const policy = versions.find((v) => v.version === version);
    if (!policy) return undefined;
    const replay: PolicyReplay = {
      policyId,
      version,
      claims: 0,
      changed: [],
      recordedCost: 0,
      replayedCost: 0,
      costDifference: 0,
    };
    for await (const { data } of this.decidedClaims({
      ...query,
      policyId,
      policyVersion: undefined,
    })) {
      const again = decideWarrantyClaim({ ...data.facts, policy });
      replay.claims++;
      const recordedCost = data.outcome === 'approved' ? data.coveredAmount : 0;
      const replayedCost = again.outcome === 'approved' ? again.coveredAmount : 0;
      replay.recordedCost += recordedCost;
      replay.replayedCost += replayedCost;
      if (again.outcome !== data.outcome || again.coveredAmount !== data.coveredAmount) {
        replay.changed.push({
          claimId: data.claimId,
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
    replay.recordedCost = round2(replay.recordedCost);
    replay.replayedCost = round2(replay.replayedCost);
    replay.costDifference = round2(replay.replayedCost - replay.recordedCost);
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
  const decided = events.find((e) => e.type === 'WarrantyClaimDecided');
  const overrides = events
    .filter((e) => e.type === 'WarrantyDecisionOverridden')
    .map((e) => ({
      ...(e.data as Overridden),
      recordedAt: e.recordedAt.toISOString(),
      actor: e.metadata.actor,
    }));
  let recomputation: ClaimAudit['verification']['recomputation'] = null;
  let decision: ClaimAudit['decision'] = null;
  if (decided) {
    const data = decided.data as Decided;
    try {
      const { matches, mismatches } = recomputeDecision(data);
      recomputation = { matches, mismatches };
    } catch (error) {
      recomputation = {
        matches: false,
        mismatches: [
          {
            field: 'outcome',
            recorded: data.outcome,
            recomputed: `error: ${(error as Error).message}`,
          },
        ],
      };
    }
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
      jurisdiction: data.facts?.jurisdiction,
      ruleTrace: data.ruleTrace,
    };
  }
  const finalOutcome = overrides.length
    ? overrides[overrides.length - 1].outcome
    : (decision?.outcome ?? null);
  return {
    claimId,
    streamId,
    claim: (filed?.data as WarrantyClaimFiled['data'] | undefined) ?? null,
    decision,
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

function decisionRow(event: RecordedEvent, override: string | undefined): DecisionRow {
  const data = event.data as Decided;
  const legal = data.ruleTrace.filter(
    (r) => r.ruleId === 'legal_guarantee_period' || r.ruleId === 'legal_guarantee_cause',
  );
  return {
    claimId: data.claimId,
    customerId: data.customerId,
    decidedAt: data.occurredAt,
    recordedAt: event.recordedAt.toISOString(),
    policyId: data.policyId,
    policyVersion: data.policyVersion,
    jurisdiction: data.jurisdiction,
    productCategory: data.facts.purchase.productCategory,
    sku: data.facts.purchase.sku,
    outcome: data.outcome,
    finalOutcome: override ?? data.outcome,
    remedy: data.remedy,
    coveredAmount: data.coveredAmount,
    currency: data.currency,
    insideLegalGuarantee: legal.length === 2 && legal.every((r) => r.result === 'passed'),
    failedRules: data.ruleTrace.filter((r) => r.result === 'failed').map((r) => r.ruleId),
  };
}

function rateRow(key: string): RateRow {
  return { key, decisions: 0, approved: 0, rejected: 0, needsReview: 0, approvalRate: 0 };
}

function upsert(map: Map<string, RateRow>, key: string): RateRow {
  let row = map.get(key);
  if (!row) map.set(key, (row = rateRow(key)));
  return row;
}

function count(row: RateRow, outcome: string): void {
  row.decisions++;
  if (outcome === 'approved') row.approved++;
  else if (outcome === 'rejected') row.rejected++;
  else row.needsReview++;
  row.approvalRate = round2(row.approved / row.decisions);
}
