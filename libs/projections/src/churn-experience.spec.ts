import { scoreChurn } from '@aftercare/analytics';
import { churnExperience, foldChurnStates, type CustomerChurnStates } from './churn-experience';
import {
  CUSTOMER,
  followUpOverdue,
  promiseBroken,
  promiseMade,
  registered,
} from './journey.fixtures';
import { recorded } from './spec-events';

const NOW = '2024-06-01T00:00:00Z';

function statesOf(events: Parameters<typeof recorded>[0][]): CustomerChurnStates {
  const states = new Map<string, CustomerChurnStates>();
  for (const event of events) foldChurnStates(states, recorded(event));
  const s = states.get(CUSTOMER);
  if (!s) throw new Error('no state');
  return s;
}

describe('churn experience: broken promises and missed follow-ups', () => {
  it('counts each broken promise and missed follow-up, recency-weighted', () => {
    const s = statesOf([
      registered(),
      promiseMade('pr1', '2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z'),
      promiseBroken('pr1', '2024-05-03T01:00:00Z', '2024-05-03T00:00:00Z'),
      // 540 days before NOW: a quarter of a recent one.
      promiseBroken('pr0', '2022-12-09T00:00:00Z', '2022-12-08T00:00:00Z'),
      followUpOverdue('t1', '2024-05-04T00:00:00Z', '2024-05-03T00:00:00Z'),
    ]);
    const e = churnExperience(s.profile, s.satisfaction, NOW);
    expect(e.brokenPromises).toBeCloseTo(1.25, 6);
    expect(e.missedFollowUps).toBe(1);
  });

  it('raises churn risk over the same customer with promises kept', () => {
    const bad = statesOf([
      registered(),
      promiseBroken('pr1', '2024-05-03T01:00:00Z', '2024-05-03T00:00:00Z'),
    ]);
    const good = statesOf([registered()]);
    const score = (s: CustomerChurnStates) =>
      scoreChurn({ pAlive: 0.8, experience: churnExperience(s.profile, s.satisfaction, NOW) });
    expect(score(bad).probability).toBeGreaterThan(score(good).probability);
    expect(score(bad).factors.find((f) => f.name === 'brokenPromises')?.value).toBe(1);
    expect(score(good).probability).toBeCloseTo(0.2, 10);
  });

  it('an event after the scoring time is not known yet', () => {
    const s = statesOf([
      registered(),
      promiseBroken('pr1', '2024-07-03T01:00:00Z', '2024-07-03T00:00:00Z'),
    ]);
    expect(churnExperience(s.profile, s.satisfaction, NOW).brokenPromises).toBe(0);
  });
});
