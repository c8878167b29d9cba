import {
  WARRANTY_CLAIM_STREAM_CATEGORY,
  canonicalJson,
  warrantyClaimStreamId,
  type WarrantyPolicyVersion,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { loadAftercareConfig } from '../config/load-config';
import { type AuditKeys, loadAuditKeys } from '../crypto/audit-keys';
import { WarrantyPolicyCatalogue } from '../warranty-policy/warranty-policy.catalogue';
import { AuditCheckpoints, type IntegrityFinding } from './audit-checkpoints';
import type { ClaimAudit } from './warranty-audit.types';
import { auditEvents } from './warranty-audit.rows';

export * from './warranty-audit.types';
export { auditEvents } from './warranty-audit.rows';

/**
 * Reads warranty claim streams as stored (before any upcasting, since hashes cover the stored
 * data) and explains, recomputes and verifies each claim. Read-only: nothing here appends. Lists,
 * reports and replays over many decisions read the read model (`WarrantyDecisionQueries`).
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
}
