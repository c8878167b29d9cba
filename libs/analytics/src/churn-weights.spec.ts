import {
  CHURN_WEIGHT_PENALTY,
  learnChurnWeights,
  type ChurnTrainingExample,
} from './churn-weights';
import { fitPenalizedLogistic } from './penalized-logistic';
import { mbgNbdProbabilityAlive, mbgNbdProbabilityNoPurchase } from './churn-purchase-process';
import { ALL_EXPERIENCE_FACTORS, EXPERIENCE_FACTORS, BASE_FACTORS } from './churn';
import { CHURN_STRUCTURE_CANDIDATES } from './churn-structure';
import { INCIDENT_KINDS, type IncidentKind, pooledIncidentCount } from './churn-incidents';
import { logistic } from './special-functions';

/** A seeded linear congruential generator (Numerical Recipes constants) in [0, 1). */
function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 4294967296;
  };
}

function simulate(
  n: number,
  weights: number[],
  intercept: number,
  seed: number,
): { rows: number[][]; labels: boolean[]; offsets: number[] } {
  const next = lcg(seed);
  const rows: number[][] = [];
  const labels: boolean[] = [];
  const offsets: number[] = [];
  for (let i = 0; i < n; i++) {
    // Sparse non-negative factors like the churn ones: mostly 0, sometimes 1-3.
    const row = weights.map(() => (next() < 0.25 ? 1 + Math.floor(next() * 3) : 0));
    const offset = 4 * next() - 2;
    const eta = offset + intercept + row.reduce((s, x, j) => s + x * weights[j], 0);
    rows.push(row);
    offsets.push(offset);
    labels.push(next() < logistic(eta));
  }
  return { rows, labels, offsets };
}

describe('fitPenalizedLogistic', () => {
  it('recovers the weights of simulated data (offset, intercept, three factors)', () => {
    const truth = [0.8, -0.5, 0];
    const { rows, labels, offsets } = simulate(20_000, truth, -0.3, 7);
    const fit = fitPenalizedLogistic(rows, labels, offsets, { penalty: CHURN_WEIGHT_PENALTY });
    expect(fit.converged).toBe(true);
    expect(Math.abs(fit.intercept + 0.3)).toBeLessThan(3 * fit.interceptStandardError);
    fit.coefficients.forEach((w, j) => {
      expect(fit.standardErrors[j]).toBeGreaterThan(0);
      expect(fit.standardErrors[j]).toBeLessThan(0.05);
      expect(Math.abs(w - truth[j])).toBeLessThan(3 * fit.standardErrors[j]);
    });
  });

  it('gives weights within noise of 0 when the factors are independent of the labels', () => {
    const next = lcg(42);
    const n = 5_000;
    const rows = Array.from({ length: n }, () =>
      [0, 0, 0, 0].map(() => (next() < 0.2 ? 1 + Math.floor(next() * 2) : 0)),
    );
    const offsets = Array.from({ length: n }, () => 2 * next() - 1);
    const labels = offsets.map((o) => next() < logistic(o));
    const fit = fitPenalizedLogistic(rows, labels, offsets, { penalty: CHURN_WEIGHT_PENALTY });
    fit.coefficients.forEach((w, j) => expect(Math.abs(w)).toBeLessThan(3 * fit.standardErrors[j]));
    expect(Math.abs(fit.intercept)).toBeLessThan(3 * fit.interceptStandardError);
  });

  it('keeps a factor nobody has at exactly 0, with the prior as its standard error', () => {
    const { rows, labels, offsets } = simulate(2_000, [0.5, 0], 0, 3);
    const withEmpty = rows.map((r) => [r[0], 0]);
    const fit = fitPenalizedLogistic(withEmpty, labels, offsets, { penalty: 4 });
    expect(fit.coefficients[1]).toBe(0);
    expect(fit.standardErrors[1]).toBeCloseTo(0.5, 10);
  });

  it('shrinks towards 0 as the penalty grows', () => {
    const { rows, labels, offsets } = simulate(1_000, [1], 0, 5);
    const weak = fitPenalizedLogistic(rows, labels, offsets, { penalty: 0.01 });
    const strong = fitPenalizedLogistic(rows, labels, offsets, { penalty: 1_000 });
    expect(Math.abs(strong.coefficients[0])).toBeLessThan(Math.abs(weak.coefficients[0]) / 3);
  });
});

describe('mbgNbdProbabilityNoPurchase', () => {
  const params = { r: 0.5, alpha: 10, a: 0.6, b: 2 };
  it('is 1 - P(alive) P(some purchase | alive), and 1 for an empty horizon', () => {
    const c = { x: 2, tx: 30, T: 52 };
    const buys = 1 - Math.pow((10 + 52) / (10 + 52 + 26), 2.5);
    expect(mbgNbdProbabilityNoPurchase(params, c, 26)).toBeCloseTo(
      1 - mbgNbdProbabilityAlive(params, c) * buys,
      12,
    );
    expect(mbgNbdProbabilityNoPurchase(params, c, 0)).toBe(1);
  });
  it('falls as the horizon grows', () => {
    const c = { x: 1, tx: 10, T: 40 };
    expect(mbgNbdProbabilityNoPurchase(params, c, 52)).toBeLessThan(
      mbgNbdProbabilityNoPurchase(params, c, 26),
    );
  });
});

describe('learnChurnWeights', () => {
  /** Buyers whose repurchase follows the MBG/NBD prediction, plus an optional experience effect. */
  function examples(n: number, detractorEffect: number, seed: number): ChurnTrainingExample[] {
    const next = lcg(seed);
    const params = { r: 0.8, alpha: 8, a: 0.5, b: 3 };
    const out: ChurnTrainingExample[] = [];
    for (let i = 0; i < n; i++) {
      const T = 10 + Math.floor(next() * 90);
      const x = Math.floor(next() * 4);
      const tx = x === 0 ? 0 : Math.floor(next() * T);
      const rfm = { x, tx, T };
      const detractor = next() < 0.3;
      const lateDeliveries = next() < 0.3 ? 1 : 0;
      const p = mbgNbdProbabilityNoPurchase(params, rfm, 52);
      const eta = Math.log(p / (1 - p)) + (detractor ? detractorEffect : 0);
      out.push({
        rfm,
        experience: { latestNps: detractor ? 3 : 9, lateDeliveries },
        noPurchaseInHorizon: next() < logistic(eta),
      });
    }
    return out;
  }

  it('learns a positive weight for a factor that raises no-purchase, 0 for one that does not', () => {
    const learned = learnChurnWeights(examples(6_000, 1, 11), {
      horizonWeeks: 52,
      structures: [BASE_FACTORS],
    });
    expect(learned).toBeDefined();
    if (!learned) return;
    expect(learned.weights.detractor).toBeGreaterThan(0.5);
    expect(learned.weights.lateDeliveries).toBe(0);
    expect(learned.estimates.lateDeliveries).not.toBe(0);
    for (const name of EXPERIENCE_FACTORS) {
      expect(learned.standardErrors[name]).toBeGreaterThan(0);
    }
    expect(learned.customers).toBe(6_000);
  });

  it('learns weights of 0 when experience says nothing about repurchase', () => {
    const learned = learnChurnWeights(examples(3_000, 0, 12), { horizonWeeks: 52 });
    expect(learned).toBeDefined();
    for (const name of ALL_EXPERIENCE_FACTORS) expect(learned?.weights[name] ?? 0).toBe(0);
    // Every candidate structure was scored; the one chosen is recorded with the weights.
    expect(learned?.structureScores?.length).toBeGreaterThan(5);
    expect(learned?.structureScores?.map((s) => s.structure)).toContain(learned?.structure?.name);
  });

  /**
   * Buyers whose no-purchase odds rise with a pooled count of incidents of every kind (decayed
   * with a 180-day half-life), most of them kinds the nine factors do not read.
   */
  function incidentExamples(n: number, effect: number, seed: number): ChurnTrainingExample[] {
    const next = lcg(seed);
    const params = { r: 0.8, alpha: 8, a: 0.5, b: 3 };
    return Array.from({ length: n }, () => {
      const T = 10 + Math.floor(next() * 90);
      const x = Math.floor(next() * 4);
      const rfm = { x, tx: x === 0 ? 0 : Math.floor(next() * T), T };
      const ages: Partial<Record<IncidentKind, number[]>> = {};
      const count = Math.floor(next() * next() * 6);
      for (let k = 0; k < count; k++) {
        const kind = INCIDENT_KINDS[Math.floor(next() * INCIDENT_KINDS.length)];
        (ages[kind] ??= []).push(next() * 500);
      }
      const p = mbgNbdProbabilityNoPurchase(params, rfm, 52);
      const eta = Math.log(p / (1 - p)) + effect * pooledIncidentCount(ages, 180);
      return {
        rfm,
        experience: { incidentAgesDays: ages },
        noPurchaseInHorizon: next() < logistic(eta),
      };
    });
  }

  it('chooses a structure that reads the pooled incident count when every incident matters', () => {
    const candidates = CHURN_STRUCTURE_CANDIDATES.filter((c) =>
      ['none', 'factors', 'pooled/180d', 'factors+pooled/180d'].includes(c.name),
    );
    const learned = learnChurnWeights(incidentExamples(4_000, 0.6, 21), {
      horizonWeeks: 52,
      structures: candidates,
    });
    expect(learned?.structure?.factors).toContain('incidents');
    expect(learned?.weights.incidents).toBeGreaterThan(0.3);
    const scores = learned?.structureScores ?? [];
    const gain = (name: string) => scores.find((s) => s.structure === name)?.gainPerThousand ?? NaN;
    expect(gain('factors+pooled/180d')).toBeGreaterThan(gain('factors'));
    expect(gain('none')).toBe(0);
  });

  it('declines to learn from too few customers', () => {
    expect(learnChurnWeights(examples(50, 1, 13), { horizonWeeks: 52 })).toBeUndefined();
  });
});
