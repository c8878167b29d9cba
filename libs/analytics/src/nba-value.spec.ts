import { emptyTimeline, type RetentionTimeline } from './nba-timeline';
import { snapshotAt } from './nba-timeline';
import { fitNbaValueModel, serviceRisk } from './nba-value';
import { Prng } from './prng';

const DAY = 86_400_000;
const START = Date.UTC(2021, 0, 1);
const END = Date.UTC(2024, 0, 1);

const prng = Prng.fromSeed('nba-value');

/**
 * A buyer with their own purchase rate (every 30 to 400 days on average) who stops after any
 * purchase with chance 0.15, from a start in 2021 until `END`.
 */
function buyer(i: number): RetentionTimeline {
  const t = emptyTimeline(`b${i}`);
  t.currency = 'EUR';
  const meanDays = prng.uniform(30, 400);
  for (
    let at = START + prng.uniform(0, 365) * DAY;
    at < END;
    at += prng.exponential(meanDays) * DAY
  ) {
    t.purchases.push({ at, price: prng.uniform(20, 200), serialised: false });
    if (prng.chance(0.15)) break;
  }
  return t;
}

describe('the value model and the service risk', () => {
  const people = Array.from({ length: 400 }, (_, i) => buyer(i));
  const model = fitNbaValueModel(people, END);

  it("fits the churn score's purchase process, which one-time buyers can leave too", () => {
    expect(model?.mbgNbd).toBeDefined();
  });

  it('keeps the a-priori churn weights when the backtest finds no trouble to learn from', () => {
    expect(model?.churnWeights).toBeUndefined();
  });

  it('is 0 for a customer with no trouble on record and grows with open complaints', () => {
    if (!model) throw new Error('no model');
    const t = people[1];
    const risk = () => serviceRisk(model, t, snapshotAt(t, END));
    const complain = (id: string, daysAgo: number) =>
      t.complaints.push({
        id,
        filedAt: END - daysAgo * DAY,
        resolvedAt: null,
        product: true,
        remedySought: 'repair',
      });
    expect(risk()).toBe(0);
    complain('k1', 40);
    const one = risk();
    complain('k2', 10);
    const two = risk();
    expect(one).toBeGreaterThan(0);
    expect(two).toBeGreaterThan(one);
  });
});
