import { eventfulJourney, foldFrozen } from './testing/purity';
import {
  acknowledged,
  complaint,
  CUSTOMER,
  delivered,
  escalated,
  feedback,
  followUpOverdue,
  promiseBroken,
  promiseKept,
  promiseMade,
  purchase,
  reopened,
  repair,
  resolved,
  setupFailed,
} from './journey.fixtures';
import { npsCategory, satisfactionProjection } from './satisfaction.projection';
import { satisfactionMetrics, satisfactionState } from './satisfaction.state';
import { given, recorded } from './spec-events';

const NOW = '2024-06-01T00:00:00Z';

describe('satisfaction projection', () => {
  it('categorises NPS: promoter 9-10, passive 7-8, detractor 0-6', () => {
    expect([10, 9, 8, 7, 6, 0].map(npsCategory)).toEqual([
      'promoter',
      'promoter',
      'passive',
      'passive',
      'detractor',
      'detractor',
    ]);
  });

  it('given feedback, then keeps the latest NPS by business time, CSAT mean and share of 4-5, CES mean', () => {
    const state = given(satisfactionProjection, CUSTOMER, [
      feedback('2024-05-01T00:00:00Z', { nps: 9, csat: 5, ces: 2 }),
      feedback('2024-03-01T00:00:00Z', { nps: 3, csat: 2, ces: 6 }), // recorded late
      feedback('2024-04-01T00:00:00Z', { csat: 4 }),
    ]);
    const m = satisfactionMetrics(state);
    expect(m.nps).toEqual({
      latest: 9,
      category: 'promoter',
      at: '2024-05-01T00:00:00Z',
      responses: 2,
    });
    expect(m.csat).toEqual({ mean: 3.67, satisfiedShare: 0.6667, responses: 3 });
    expect(m.ces).toEqual({ mean: 4, responses: 2 });
  });

  it('measures complaint handling: time to acknowledge, to resolve, escalations, reopenings', () => {
    const state = given(satisfactionProjection, CUSTOMER, [
      complaint('c1', '2024-05-01T00:00:00Z'),
      acknowledged('c1', '2024-05-01T06:00:00Z'),
      escalated('c1', '2024-05-02T00:00:00Z'),
      resolved('c1', '2024-05-03T00:00:00Z'),
      reopened('c1', '2024-05-04T00:00:00Z'),
      resolved('c1', '2024-05-05T00:00:00Z'),
    ]);
    expect(satisfactionMetrics(state).complaints).toEqual({
      total: 1,
      open: 0,
      unacknowledged: 0,
      meanHoursToAcknowledge: 6,
      meanHoursToResolve: 48,
      escalations: 1,
      reopenings: 1,
    });
  });

  it('measures promises kept and repeat repairs of one serial', () => {
    const state = given(satisfactionProjection, CUSTOMER, [
      purchase('p1', '2024-01-01T00:00:00Z'),
      delivered('p1', '2024-01-03T00:00:00Z', false),
      delivered('p2', '2024-01-04T00:00:00Z', true),
      setupFailed('p1', '2024-01-05T00:00:00Z'),
      repair('r1', 'p1', '2024-02-01T00:00:00Z', 'warranty', 10),
      repair('r2', 'p1', '2024-03-01T00:00:00Z', 'warranty', 10),
    ]);
    const m = satisfactionMetrics(state);
    expect(m.promises).toEqual({
      deliveries: 2,
      deliveredOnTimeShare: 0.5,
      setups: 1,
      firstVisitSetupSuccessShare: 0,
    });
    expect(m.repeatRepairs).toEqual([
      { serialNumber: 'SN-p1', repairs: 2, defectCodes: ['E42', 'E42'] },
    ]);
  });

  describe('satisfactionState', () => {
    it('is delighted with a recent promoter score, high CSAT and nothing open', () => {
      const state = given(satisfactionProjection, CUSTOMER, [
        feedback('2024-05-01T00:00:00Z', { nps: 10, csat: 5 }),
      ]);
      expect(satisfactionState(state, NOW).state).toBe('delighted');
    });

    it('is satisfied with a passive score and neutral without feedback', () => {
      const passive = given(satisfactionProjection, CUSTOMER, [
        feedback('2024-05-01T00:00:00Z', { nps: 8 }),
      ]);
      expect(satisfactionState(passive, NOW).state).toBe('satisfied');
      expect(satisfactionState(satisfactionProjection.initialState(CUSTOMER), NOW)).toEqual({
        state: 'neutral',
        reasons: ['no recent feedback', 'no open issues'],
      });
    });

    it('is at risk with one concern, naming it', () => {
      const state = given(satisfactionProjection, CUSTOMER, [
        feedback('2024-05-01T00:00:00Z', { nps: 10, csat: 5 }),
        complaint('c1', '2024-05-25T00:00:00Z'),
        acknowledged('c1', '2024-05-25T02:00:00Z'),
      ]);
      const verdict = satisfactionState(state, NOW);
      expect(verdict.state).toBe('at_risk');
      expect(verdict.reasons).toEqual(['open medium delivery complaint c1 (7 days)']);
    });

    it('is dissatisfied with a severe signal (open high-severity complaint, strong detractor)', () => {
      const state = given(satisfactionProjection, CUSTOMER, [
        complaint('c1', '2024-05-25T00:00:00Z', 'high'),
      ]);
      expect(satisfactionState(state, NOW).state).toBe('dissatisfied');
      const detractor = given(satisfactionProjection, CUSTOMER, [
        feedback('2024-05-01T00:00:00Z', { nps: 2 }),
      ]);
      expect(satisfactionState(detractor, NOW).reasons).toEqual([
        'latest NPS 2 (detractor) on 2024-05-01',
      ]);
    });

    it('forgets stale feedback and old service failures', () => {
      const state = given(satisfactionProjection, CUSTOMER, [
        feedback('2022-01-01T00:00:00Z', { nps: 0 }),
        delivered('p1', '2023-01-01T00:00:00Z', false),
      ]);
      expect(satisfactionState(state, NOW).state).toBe('neutral');
    });

    it('as of an earlier date, an open complaint is younger', () => {
      const state = given(satisfactionProjection, CUSTOMER, [
        complaint('c1', '2024-04-01T00:00:00Z'),
      ]);
      expect(satisfactionState(state, '2024-04-05T00:00:00Z').state).toBe('at_risk');
      expect(satisfactionState(state, NOW).state).toBe('dissatisfied'); // overdue
    });
  });

  describe('promises and follow-ups', () => {
    it('a broken promise is a bad experience: a concern while recent, two make a customer dissatisfied', () => {
      const one = given(satisfactionProjection, CUSTOMER, [
        promiseMade('pr1', '2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z'),
        promiseBroken('pr1', '2024-05-03T01:00:00Z', '2024-05-03T00:00:00Z'),
      ]);
      expect(satisfactionState(one, NOW)).toEqual({
        state: 'at_risk',
        reasons: ['promise pr1 broken (overdue) on 2024-05-03'],
      });
      const two = given(satisfactionProjection, CUSTOMER, [
        promiseMade('pr1', '2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z'),
        promiseBroken('pr1', '2024-05-03T01:00:00Z', '2024-05-03T00:00:00Z'),
        promiseMade('pr2', '2024-05-10T00:00:00Z', '2024-05-12T00:00:00Z'),
        promiseBroken('pr2', '2024-05-12T01:00:00Z', '2024-05-12T00:00:00Z'),
      ]);
      expect(satisfactionState(two, NOW).state).toBe('dissatisfied');
      // Long after, the broken promise no longer speaks for the customer.
      expect(satisfactionState(one, '2024-12-01T00:00:00Z').state).toBe('neutral');
    });

    it('a kept promise is no concern; metrics count kept, broken and missed follow-ups', () => {
      const state = given(satisfactionProjection, CUSTOMER, [
        promiseMade('pr1', '2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z'),
        promiseKept('pr1', '2024-05-02T00:00:00Z', '2024-05-03T00:00:00Z'),
        promiseMade('pr2', '2024-05-01T00:00:00Z', '2024-05-03T00:00:00Z'),
        promiseBroken('pr2', '2023-05-03T01:00:00Z', '2024-05-03T00:00:00Z'),
        followUpOverdue('t1', '2024-05-04T00:00:00Z', '2024-05-03T00:00:00Z'),
      ]);
      const m = satisfactionMetrics(state);
      expect(m.customerPromises).toEqual({ made: 2, kept: 1, broken: 1, keptShare: 0.5 });
      expect(m.followUps).toEqual({ created: 0, completed: 0, missed: 1 });
      expect(satisfactionState(state, NOW).state).toBe('neutral');
    });

    it('reads promises and follow-ups from their own streams', () => {
      expect(satisfactionProjection.filter.categories).toEqual(
        expect.arrayContaining(['customer', 'promise', 'followUpTask']),
      );
    });
  });

  it('folds without changing any state its caller holds, to the same result', () => {
    const { states } = foldFrozen(
      satisfactionProjection,
      eventfulJourney().map((e) => recorded(e)),
    );
    expect(states.get(CUSTOMER)).toEqual(
      given(satisfactionProjection, CUSTOMER, eventfulJourney()),
    );
  });
});
