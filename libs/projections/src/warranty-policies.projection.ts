import type { WarrantyPolicyTerms, WarrantyPolicyVersion } from '@aftercare/domain';
import { entryOf, WARRANTY_POLICY_STREAM_CATEGORY } from '@aftercare/domain';
import type { Projection } from './projection';
import { asAftercareEvent, ms } from './event-data';

/** Published warranty policy versions, keyed by policyId, so the terms in force can be shown. */
export interface WarrantyPolicyState {
  policyId: string;
  name: string | null;
  /** Sorted by version. */
  versions: WarrantyPolicyVersion[];
}

export function versionInForce(
  state: WarrantyPolicyState,
  at: string,
): WarrantyPolicyVersion | undefined {
  let found: WarrantyPolicyVersion | undefined;
  for (const v of state.versions) {
    if (
      ms(v.effectiveFrom) <= ms(at) &&
      (!found || ms(v.effectiveFrom) >= ms(found.effectiveFrom))
    ) {
      found = v;
    }
  }
  return found;
}

export function coverageMonths(terms: WarrantyPolicyTerms, productCategory: string): number {
  return entryOf(terms.coverageMonths.byCategory, productCategory) ?? terms.coverageMonths.default;
}

export const warrantyPoliciesProjection: Projection<WarrantyPolicyState> = {
  name: 'warranty_policies',
  version: 1,
  filter: { categories: [WARRANTY_POLICY_STREAM_CATEGORY] },
  keyOf: (event) => {
    const policyId = (event.data as { policyId?: unknown } | null)?.policyId;
    return typeof policyId === 'string' ? policyId : undefined;
  },
  initialState: (policyId) => ({ policyId, name: null, versions: [] }),
  evolve: (state, recorded) => {
    const event = asAftercareEvent(recorded);
    if (!event || event.type !== 'WarrantyPolicyPublished') return state;
    const d = event.data;
    const versions = state.versions.filter((v) => v.version !== d.version);
    versions.push({
      policyId: d.policyId,
      version: d.version,
      effectiveFrom: d.effectiveFrom,
      terms: d.terms,
    });
    versions.sort((a, b) => a.version - b.version);
    return { policyId: state.policyId, name: d.name, versions };
  },
  columns: {
    latestVersion: (s) => (s.versions.length ? s.versions[s.versions.length - 1].version : null),
  },
  // Read whole, in key order: no column index.
  indexes: [],
};
