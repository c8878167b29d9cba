import {
  WARRANTY_POLICY_STREAM_CATEGORY,
  warrantyPolicyStreamId,
  type WarrantyPolicyPublished,
  type WarrantyPolicyTerms,
  type WarrantyPolicyVersion,
} from '@aftercare/domain';
import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { LogFollower } from '../store/log-follower';

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
    // Named in the request, else whoever recorded it (the API key's actor in the metadata).
    publishedBy: d.publishedBy ?? event.metadata.actor ?? null,
    terms: d.terms,
  };
}

/**
 * The published warranty policies and their versions, read from their streams. The list is an
 * index kept in memory and brought up to date on each call from where the last one stopped (the
 * store's settled head), so only the first call reads the whole log for policy events.
 */
export class WarrantyPolicyCatalogue {
  private readonly policies = new Map<string, PolicySummary>();
  private readonly follower: LogFollower;

  constructor(private readonly store: EventStore) {
    this.follower = new LogFollower(
      store,
      {
        categories: [WARRANTY_POLICY_STREAM_CATEGORY],
        eventTypePrefixes: ['WarrantyPolicyPublished'],
      },
      (event) => this.add(view(event)),
    );
  }

  async list(): Promise<PolicySummary[]> {
    await this.follower.catchUp();
    return [...this.policies.values()].sort((a, b) => a.policyId.localeCompare(b.policyId));
  }

  private add(v: PolicyVersionView & { policyId: string }): void {
    const seen = this.policies.get(v.policyId);
    if (seen?.versions.includes(v.version)) return;
    const versions = [...(seen?.versions ?? []), v.version].sort((a, b) => a - b);
    const latest = !seen || v.version >= seen.latestVersion;
    this.policies.set(v.policyId, {
      policyId: v.policyId,
      name: latest ? v.name : (seen?.name ?? v.name),
      versions,
      latestVersion: latest ? v.version : (seen?.latestVersion ?? v.version),
      latestEffectiveFrom: latest
        ? v.effectiveFrom
        : (seen?.latestEffectiveFrom ?? v.effectiveFrom),
    });
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
