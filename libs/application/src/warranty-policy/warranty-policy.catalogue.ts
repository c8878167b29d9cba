import {
  WARRANTY_POLICY_STREAM_CATEGORY,
  warrantyPolicyStreamId,
  type WarrantyPolicyPublished,
  type WarrantyPolicyTerms,
  type WarrantyPolicyVersion,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';

export interface PolicyVersionView {
  version: number;
  name: string;
  effectiveFrom: string;
  publishedAt: string;
  publishedBy: string | null;
  terms: WarrantyPolicyTerms;
}

export interface PolicySummary {
  policyId: string;
  /** The latest version's name. */
  name: string;
  versions: number[];
  latestVersion: number;
  latestEffectiveFrom: string;
}

export interface PolicyDetail {
  policyId: string;
  name: string;
  /** In version order. */
  versions: PolicyVersionView[];
}

function view(event: RecordedEvent): PolicyVersionView & { policyId: string } {
  const d = event.data as WarrantyPolicyPublished['data'];
  return {
    policyId: d.policyId,
    version: d.version,
    name: d.name,
    effectiveFrom: d.effectiveFrom,
    publishedAt: d.occurredAt,
    publishedBy: d.publishedBy ?? null,
    terms: d.terms,
  };
}

/** The published warranty policies and their versions, read from their streams. */
export class WarrantyPolicyCatalogue {
  constructor(private readonly store: EventStore) {}

  async list(): Promise<PolicySummary[]> {
    const policies = new Map<string, PolicySummary>();
    for await (const event of this.store.readAll({
      filter: {
        categories: [WARRANTY_POLICY_STREAM_CATEGORY],
        eventTypePrefixes: ['WarrantyPolicyPublished'],
      },
    })) {
      const v = view(event);
      const seen = policies.get(v.policyId);
      const versions = [...(seen?.versions ?? []), v.version].sort((a, b) => a - b);
      const latest = !seen || v.version >= seen.latestVersion;
      policies.set(v.policyId, {
        policyId: v.policyId,
        name: latest ? v.name : (seen?.name ?? v.name),
        versions,
        latestVersion: latest ? v.version : (seen?.latestVersion ?? v.version),
        latestEffectiveFrom: latest
          ? v.effectiveFrom
          : (seen?.latestEffectiveFrom ?? v.effectiveFrom),
      });
    }
    return [...policies.values()].sort((a, b) => a.policyId.localeCompare(b.policyId));
  }

  async get(policyId: string): Promise<PolicyDetail | undefined> {
    const versions: PolicyVersionView[] = (await this.published(policyId)).map(
      ({ policyId: _id, ...v }) => v,
    );
    if (versions.length === 0) return undefined;
    versions.sort((a, b) => a.version - b.version);
    return { policyId, name: versions[versions.length - 1].name, versions };
  }

  /** A policy's versions as deciders take them (the audit recomputes decisions with them). */
  async versions(policyId: string): Promise<WarrantyPolicyVersion[]> {
    return (await this.published(policyId)).map((v) => ({
      policyId: v.policyId,
      version: v.version,
      effectiveFrom: v.effectiveFrom,
      terms: v.terms,
    }));
  }

  /** The one read of a policy's stream: its published versions, in the order recorded. */
  private async published(policyId: string): Promise<(PolicyVersionView & { policyId: string })[]> {
    const versions: (PolicyVersionView & { policyId: string })[] = [];
    for await (const event of this.store.readStream(warrantyPolicyStreamId(policyId))) {
      if (event.type === 'WarrantyPolicyPublished') versions.push(view(event));
    }
    return versions;
  }
}
