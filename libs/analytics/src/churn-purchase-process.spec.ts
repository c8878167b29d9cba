import { fitBgNbd } from './bg-nbd';
import {
  compileMbgNbdLogLikelihood,
  fitMbgNbd,
  mbgNbdProbabilityAlive,
  mbgNbdSurvival,
  purchaseProcessRisk,
} from './churn-purchase-process';
import { logBeta } from './special-functions';

const PARAMS = { r: 1.2, alpha: 20, a: 0.8, b: 3 };

/** E[exp(-lambda p H)] by brute force: midpoint rule over p, lambda integrated exactly. */
function survivalByQuadrature(x: number, T: number, H: number): number {
  const { r, alpha, a, b } = PARAMS;
  const n = 200_000;
  let sum = 0;
  for (let k = 0; k < n; k++) {
    const p = (k + 0.5) / n;
    const density = Math.exp(
      (a - 1) * Math.log(p) + (b + x) * Math.log(1 - p) - logBeta(a, b + x + 1),
    );
    sum += (density / n) * Math.pow((alpha + T) / (alpha + T + p * H), r + x);
  }
  return sum;
}

describe('MBG/NBD purchase process', () => {
  it('lets a one-time buyer be gone: P(alive) < 1 at x = 0, falling with age', () => {
    const young = mbgNbdProbabilityAlive(PARAMS, { x: 0, tx: 0, T: 1 });
    const old = mbgNbdProbabilityAlive(PARAMS, { x: 0, tx: 0, T: 100 });
    expect(young).toBeLessThan(1);
    expect(old).toBeLessThan(young);
    // Right after the first purchase only the dropout at it counts: b / (a + b).
    expect(mbgNbdProbabilityAlive(PARAMS, { x: 0, tx: 0, T: 0 })).toBeCloseTo(3 / 3.8, 12);
  });

  it('survival over the horizon matches numerical integration and falls with H', () => {
    for (const [x, T, H] of [
      [0, 10, 26],
      [3, 60, 52],
      [12, 100, 52],
    ]) {
      expect(mbgNbdSurvival(PARAMS, { x, tx: T / 2, T }, H)).toBeCloseTo(
        survivalByQuadrature(x, T, H),
        3,
      );
    }
    const c = { x: 2, tx: 20, T: 40 };
    expect(mbgNbdSurvival(PARAMS, c, 0)).toBe(1);
    expect(mbgNbdSurvival(PARAMS, c, 52)).toBeLessThan(mbgNbdSurvival(PARAMS, c, 26));
    const risk = purchaseProcessRisk(PARAMS, c, 52);
    expect(risk.pAliveAtHorizon).toBeCloseTo(risk.pAliveNow * risk.survival, 15);
  });

  it('recovers the parameters of a simulated MBG/NBD population and beats the BG/NBD on it', () => {
    // r = a = 1 so lambda and p can be drawn by inversion: lambda ~ Exp(alpha), p ~ Beta(1, b).
    const truth = { r: 1, alpha: 10, a: 1, b: 4 };
    let state = 12345;
    const uniform = (): number => {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      return (state + 0.5) / 4294967296;
    };
    const data = [];
    for (let i = 0; i < 4000; i++) {
      const lambda = -Math.log(uniform()) / truth.alpha;
      const p = 1 - Math.pow(uniform(), 1 / truth.b);
      const T = 20 + 80 * uniform();
      let t = 0;
      let x = 0;
      let tx = 0;
      let alive = uniform() >= p; // dropout right after the first purchase
      while (alive) {
        t += -Math.log(uniform()) / lambda;
        if (t > T) break;
        x++;
        tx = t;
        alive = uniform() >= p;
      }
      data.push({ x, tx, T });
    }
    const fit = fitMbgNbd(data);
    expect(fit.params.r).toBeGreaterThan(0.7);
    expect(fit.params.r).toBeLessThan(1.4);
    expect(fit.params.a / (fit.params.a + fit.params.b)).toBeGreaterThan(0.14);
    expect(fit.params.a / (fit.params.a + fit.params.b)).toBeLessThan(0.26);
    const ll = compileMbgNbdLogLikelihood(data);
    for (const key of ['r', 'alpha', 'a', 'b'] as const) {
      for (const factor of [0.95, 1.05]) {
        expect(ll({ ...fit.params, [key]: fit.params[key] * factor })).toBeLessThan(
          fit.logLikelihood,
        );
      }
    }
    expect(fit.logLikelihood).toBeGreaterThan(fitBgNbd(data).logLikelihood);
  });
});
