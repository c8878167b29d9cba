import { DomainError } from './domain-error';
import type { DomainCommand, IsoDateTime } from './domain-event';
import { assertNever } from './domain-event';
import { toMillis } from './time';
import type {
  WarrantyPolicyEvent,
  WarrantyPolicyTerms,
  WarrantyPolicyVersion,
} from './warranty-policy.events';
import { EXCLUDABLE_CAUSES, WARRANTY_REMEDIES } from './warranty-policy.events';

/** The warranty policy decider (stream `warrantyPolicy-<policyId>`): versions 1, 2, 3, ... */

export type PublishWarrantyPolicy = DomainCommand<
  'PublishWarrantyPolicy',
  {
    policyId: string;
    /** Must be the previous version + 1 (1 for the first). */
    version: number;
    /** Must be later than the previous version's. */
    effectiveFrom: IsoDateTime;
    occurredAt: IsoDateTime;
    name: string;
    terms: WarrantyPolicyTerms;
    publishedBy?: string;
  }
>;

export type WarrantyPolicyCommand = PublishWarrantyPolicy;
export type WarrantyPolicyCommandType = WarrantyPolicyCommand['type'];

export type WarrantyPolicyState = {
  policyId: string | null;
  /** 0 before the first version. */
  version: number;
  /** Every version, oldest first: what the claim decider needs. */
  versions: WarrantyPolicyVersion[];
};

export function initialState(): WarrantyPolicyState {
  return { policyId: null, version: 0, versions: [] };
}

export function evolve(
  state: WarrantyPolicyState,
  event: WarrantyPolicyEvent,
): WarrantyPolicyState {
  const { type, data } = event;
  switch (type) {
    case 'WarrantyPolicyPublished':
      return {
        policyId: data.policyId,
        version: data.version,
        versions: [
          ...state.versions,
          {
            policyId: data.policyId,
            version: data.version,
            effectiveFrom: data.effectiveFrom,
            terms: data.terms,
          },
        ],
      };
    default:
      return assertNever(type, 'warranty policy event');
  }
}

export function decide(
  command: WarrantyPolicyCommand,
  state: WarrantyPolicyState,
): WarrantyPolicyEvent[] {
  switch (command.type) {
    case 'PublishWarrantyPolicy': {
      const d = command.data;
      toMillis(d.occurredAt);
      const effectiveFrom = toMillis(d.effectiveFrom, 'effectiveFrom');
      if (d.version !== state.version + 1) {
        throw new DomainError(
          'policy_version_conflict',
          `Policy ${d.policyId} is at version ${state.version}; the next version is ${state.version + 1}, not ${d.version}`,
          { policyId: d.policyId, currentVersion: state.version, version: d.version },
        );
      }
      const previous = state.versions[state.versions.length - 1];
      if (previous && effectiveFrom <= toMillis(previous.effectiveFrom)) {
        throw new DomainError(
          'policy_effective_date_not_increasing',
          `Version ${d.version} must take effect after version ${previous.version} (${previous.effectiveFrom})`,
          { previousEffectiveFrom: previous.effectiveFrom, effectiveFrom: d.effectiveFrom },
        );
      }
      const problems = validateTerms(d.terms);
      if (problems.length > 0) {
        throw new DomainError(
          'invalid_policy_terms',
          `Invalid policy terms: ${problems.join('; ')}`,
          {
            problems,
          },
        );
      }
      return [
        {
          type: 'WarrantyPolicyPublished',
          data: {
            policyId: d.policyId,
            version: d.version,
            effectiveFrom: d.effectiveFrom,
            occurredAt: d.occurredAt,
            name: d.name,
            terms: d.terms,
            ...(d.publishedBy !== undefined ? { publishedBy: d.publishedBy } : {}),
          },
        },
      ];
    }
    default:
      return assertNever(command.type, 'warranty policy command');
  }
}

const isWholeAtLeast = (x: number, min: number): boolean => Number.isInteger(x) && x >= min;

/** Every problem with the terms, each naming its field; empty when valid. */
export function validateTerms(terms: WarrantyPolicyTerms): string[] {
  const problems: string[] = [];
  if (!isWholeAtLeast(terms.coverageMonths.default, 0)) {
    problems.push('coverageMonths.default must be a whole number >= 0');
  }
  for (const [category, months] of Object.entries(terms.coverageMonths.byCategory)) {
    if (!isWholeAtLeast(months, 0)) {
      problems.push(`coverageMonths.byCategory.${category} must be a whole number >= 0`);
    }
  }
  for (const cause of terms.exclusions) {
    if (!(EXCLUDABLE_CAUSES as readonly string[]).includes(cause)) {
      problems.push(`exclusions: '${cause}' cannot be excluded`);
    }
  }
  if (terms.repeatClaimThreshold !== null && !isWholeAtLeast(terms.repeatClaimThreshold, 1)) {
    problems.push('repeatClaimThreshold must be null or a whole number >= 1');
  }
  terms.remedyRules.forEach((rule, i) => {
    if (!isWholeAtLeast(rule.maxAgeDays, 0)) {
      problems.push(`remedyRules[${i}].maxAgeDays must be a whole number >= 0`);
    }
    if (!(WARRANTY_REMEDIES as readonly string[]).includes(rule.remedy)) {
      problems.push(`remedyRules[${i}].remedy must be one of ${WARRANTY_REMEDIES.join(', ')}`);
    }
  });
  if (!(WARRANTY_REMEDIES as readonly string[]).includes(terms.defaultRemedy)) {
    problems.push(`defaultRemedy must be one of ${WARRANTY_REMEDIES.join(', ')}`);
  }
  const ratio = terms.maxCoveredAmountRatio;
  if (!Number.isFinite(ratio) || ratio < 0 || ratio > 1) {
    problems.push('maxCoveredAmountRatio must be between 0 and 1');
  }
  return problems;
}

export function foldWarrantyPolicy(events: readonly WarrantyPolicyEvent[]): WarrantyPolicyState {
  return events.reduce(evolve, initialState());
}

export const warrantyPolicyDecider = { decide, evolve, initialState } as const;
