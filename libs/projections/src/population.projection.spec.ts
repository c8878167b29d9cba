import { feedback } from './journey.fixtures';
import { netPromoterScore, populationFeedbackProjection } from './population.projection';
import { eventfulJourney, foldFrozen } from './testing/purity';
import { given, recorded } from './spec-events';

describe('population feedback projection', () => {
  it('given feedback in a month, then counts NPS categories, CSAT and CES of that month', () => {
    const state = given(populationFeedbackProjection, '2024-03', [
      feedback('2024-03-01T10:00:00Z', { nps: 10, csat: 5 }),
      feedback('2024-03-02T10:00:00Z', { nps: 8, ces: 3 }),
      feedback('2024-03-31T23:00:00Z', { nps: 2, csat: 3, ces: 5 }),
      feedback('2024-04-01T00:00:00Z', { nps: 10 }),
    ]);
    expect(state).toEqual({
      month: '2024-03',
      nps: { responses: 3, promoters: 1, passives: 1, detractors: 1 },
      csat: { responses: 2, sum: 8, satisfied: 1 },
      ces: { responses: 2, sum: 8 },
    });
    expect(netPromoterScore(state)).toBe(0);
  });

  it('folds without changing any state its caller holds, to the same result', () => {
    const { states } = foldFrozen(
      populationFeedbackProjection,
      eventfulJourney().map((e) => recorded(e)),
    );
    expect([...states.keys()].sort()).toEqual(['2024-01', '2024-02', '2024-06']);
    expect(states.get('2024-02')).toEqual(
      given(populationFeedbackProjection, '2024-02', eventfulJourney()),
    );
  });
});
