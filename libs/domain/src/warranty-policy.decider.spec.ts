import { given as givenFor } from './testing/given-when-then';
import { TERMS } from './testing/warranty-fixtures';
import type { PublishWarrantyPolicy } from './warranty-policy.decider';
import { foldWarrantyPolicy, warrantyPolicyDecider } from './warranty-policy.decider';
import type { WarrantyPolicyEvent, WarrantyPolicyTerms } from './warranty-policy.events';

const given = (events: WarrantyPolicyEvent[] = []) => givenFor(warrantyPolicyDecider, events);

const publish = (
  version: number,
  effectiveFrom: string,
  terms: WarrantyPolicyTerms = TERMS,
): PublishWarrantyPolicy => ({
  type: 'PublishWarrantyPolicy',
  data: {
    policyId: 'std',
    version,
    effectiveFrom,
    occurredAt: '2023-12-01T00:00:00.000Z',
    name: 'Standard warranty',
    terms,
    publishedBy: 'legal-team',
  },
});

const published = (version: number, effectiveFrom: string): WarrantyPolicyEvent => ({
  type: 'WarrantyPolicyPublished',
  data: { ...publish(version, effectiveFrom).data },
});

describe('warranty policy decider', () => {
  it('publishes version 1', () => {
    given()
      .when(publish(1, '2024-01-01T00:00:00.000Z'))
      .then([published(1, '2024-01-01T00:00:00.000Z')]);
  });

  it('publishes the next version', () => {
    given([published(1, '2024-01-01T00:00:00.000Z')])
      .when(publish(2, '2024-06-01T00:00:00.000Z'))
      .then([published(2, '2024-06-01T00:00:00.000Z')]);
  });

  it('refuses a version that is not the previous + 1', () => {
    given().when(publish(2, '2024-01-01T00:00:00.000Z')).thenFails('policy_version_conflict');
    given([published(1, '2024-01-01T00:00:00.000Z')])
      .when(publish(1, '2024-06-01T00:00:00.000Z'))
      .thenFails('policy_version_conflict');
  });

  it('refuses a version taking effect no later than the previous one', () => {
    given([published(1, '2024-01-01T00:00:00.000Z')])
      .when(publish(2, '2024-01-01T00:00:00.000Z'))
      .thenFails('policy_effective_date_not_increasing');
  });

  it('refuses invalid terms, naming every problem', () => {
    const bad: WarrantyPolicyTerms = {
      ...TERMS,
      coverageMonths: { default: -1, byCategory: { phone: 1.5 } },
      repeatClaimThreshold: 0,
      remedyRules: [{ maxAgeDays: -3, remedy: 'repair' }],
      maxCoveredAmountRatio: 1.2,
      exclusions: ['manufacturing' as never],
    };
    const error = given()
      .when(publish(1, '2024-01-01T00:00:00.000Z', bad))
      .thenFails('invalid_policy_terms');
    expect(error.details.problems).toEqual([
      'coverageMonths.default must be a whole number >= 0',
      'coverageMonths.byCategory.phone must be a whole number >= 0',
      "exclusions: 'manufacturing' cannot be excluded",
      'repeatClaimThreshold must be null or a whole number >= 1',
      'remedyRules[0].maxAgeDays must be a whole number >= 0',
      'maxCoveredAmountRatio must be between 0 and 1',
    ]);
  });

  it('folds every version, oldest first, for the claim decider', () => {
    const state = foldWarrantyPolicy([
      published(1, '2024-01-01T00:00:00.000Z'),
      published(2, '2024-06-01T00:00:00.000Z'),
    ]);
    expect(state.version).toBe(2);
    expect(state.versions.map((v) => [v.version, v.effectiveFrom])).toEqual([
      [1, '2024-01-01T00:00:00.000Z'],
      [2, '2024-06-01T00:00:00.000Z'],
    ]);
  });
});
