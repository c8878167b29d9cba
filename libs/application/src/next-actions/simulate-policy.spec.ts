import { comparePolicy } from './simulate-policy.report';
import { runPolicyWorld, TARGETING_POLICIES, type PolicyWorldOptions } from './simulate-policy';

/** A small world: three years, the policy acting in the last `policyMonths`. */
const world = (
  actionEffect: number,
  customers: number,
  policyMonths: number,
): PolicyWorldOptions => ({
  customers,
  seed: 'policy-spec',
  budget: 30,
  actionEffect,
  organicActions: 0.4,
  experienceEffect: 1,
  from: '2022-01-01T00:00:00.000Z',
  to: '2025-01-01T00:00:00.000Z',
  policyMonths,
});

jest.setTimeout(120_000);

describe('simulate-policy', () => {
  it('with action effects 0, no targeting retains more than none beyond its error', () => {
    const options = world(0, 300, 6);
    const none = runPolicyWorld(options, 'none');
    for (const policy of TARGETING_POLICIES.filter((p) => p !== 'none')) {
      const run = runPolicyWorld(options, policy);
      const c = comparePolicy(run, none, 200);
      // The model may rightly find nothing worth doing when nothing works; the others act.
      if (policy !== 'nba') expect(c.actions).toBeGreaterThan(0);
      for (const gain of [c.retainedGain, c.valueGain]) {
        expect(Math.abs(gain.estimate)).toBeLessThanOrEqual(2 * gain.standardError);
      }
      // The world is coupled: an action that does nothing leaves every life as it was.
      expect(c.retainedGain.estimate).toBe(0);
      expect(c.valueGain.estimate).toBe(0);
    }
  });

  it('with action effects > 0, next-best-action targeting retains more customers than none', () => {
    const options = world(2, 600, 12);
    const none = runPolicyWorld(options, 'none');
    const nba = runPolicyWorld(options, 'nba');
    const c = comparePolicy(nba, none, 200);
    expect(c.actions).toBeGreaterThan(0);
    // With this little history the model says so and acts on its stated assumptions.
    expect(nba.effects?.effects.recovery_call.source).toBe('assumption');
    expect(c.retainedGain.estimate).toBeGreaterThan(2 * c.retainedGain.standardError);
  });
});
