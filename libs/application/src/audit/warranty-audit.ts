import {
  WARRANTY_CLAIM_STREAM_CATEGORY,
  canonicalJson,
  decideWithRecordedEngine,
  warrantyClaimStreamId,
  type WarrantyClaimDecided,
  type WarrantyPolicyVersion,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { loadAftercareConfig } from '../config/load-config';
import { type AuditKeys, loadAuditKeys } from '../crypto/audit-keys';
import { timeWindow } from '../time-window';
import { WarrantyPolicyCatalogue } from '../warranty-policy/warranty-policy.catalogue';
import { AuditCheckpoints, type IntegrityFinding } from './audit-checkpoints';
import { addReplayCost, latestDecisions } from './latest-decisions';
import { DecisionReportBuilder } from './decision-report';
import type { RuleResult } from '@aftercare/projections';

import {
  type ClaimAudit,
  type DecisionQuery,
  type DecisionReport,
  type DecisionRow,
  type PolicyReplay,
  type ReplayCost,
} from './warranty-audit.types';
import { auditEvents, decisionRow, round2 } from './warranty-audit.rows';

export * from './warranty-audit.types';
export { auditEvents } from './warranty-audit.rows';

type Decided = WarrantyClaimDecided['data'];

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
    private readonly catalogue = new WarrantyPolicyCatalogue(store),
  ) {}

  private keys(): AuditKeys {
    return (this.loadedKeys ??= this.auditKeys ?? loadAuditKeys(loadAftercareConfig().keys));
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
   * Each claim's latest decision matching the query, with what stands after overrides (read in
   * two streaming passes by latestDecisions).
   */
  private async *decidedClaims(
    query: DecisionQuery,
  ): AsyncIterable<{ row: DecisionRow; data: Decided }> {
    const window = timeWindow(query.from, query.to);
    for await (const { event, data, override } of latestDecisions(this.store, window)) {
      if (query.policyId !== undefined && data.policyId !== query.policyId) continue;
      if (query.policyVersion !== undefined && data.policyVersion !== query.policyVersion) continue;
      const row = decisionRow(event, override);
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

  /** A policy's published versions, read by the policy catalogue (the one place that reads them). */
  policyVersions(policyId: string): Promise<WarrantyPolicyVersion[]> {
    return this.catalogue.versions(policyId);
  }

  /** Ids of every warranty claim, in the order they were filed. */
  async *claimIds(): AsyncIterable<string> {
    const filter = {
      categories: [WARRANTY_CLAIM_STREAM_CATEGORY],
      eventTypePrefixes: ['WarrantyClaimFiled'],
    };
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
    const report = new DecisionReportBuilder();
    for await (const { row, data } of this.decidedClaims(query)) {
      report.add(
        row,
        data.ruleTrace.map((r): RuleResult => [r.ruleId, r.result]),
      );
    }
    return report.build(query);
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
