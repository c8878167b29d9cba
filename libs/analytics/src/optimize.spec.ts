import { nelderMead } from './optimize';

describe('nelderMead', () => {
  const rosenbrock = ([x, y]: readonly number[]): number => 100 * (y - x * x) ** 2 + (1 - x) ** 2;

  it('finds the minimum of the Rosenbrock valley from the classic start', () => {
    const result = nelderMead(rosenbrock, [-1.2, 1], { xTolerance: 1e-10, fTolerance: 1e-14 });
    expect(result.converged).toBe(true);
    expect(result.x[0]).toBeCloseTo(1, 6);
    expect(result.x[1]).toBeCloseTo(1, 6);
    expect(result.value).toBeLessThan(1e-12);
  });

  it('minimises a 4-dimensional quadratic to the tolerance', () => {
    const centre = [0.3, -2, 5, 1.5];
    const f = (v: readonly number[]): number =>
      v.reduce((sum, x, i) => sum + (i + 1) * (x - centre[i]) ** 2, 0);
    const result = nelderMead(f, [0, 0, 0, 0], { xTolerance: 1e-9, fTolerance: 1e-14 });
    result.x.forEach((x, i) => expect(x).toBeCloseTo(centre[i], 6));
  });

  it('is deterministic', () => {
    expect(nelderMead(rosenbrock, [-1.2, 1])).toEqual(nelderMead(rosenbrock, [-1.2, 1]));
  });

  it('treats non-finite values as walls and stops at the iteration limit', () => {
    const f = ([x]: readonly number[]): number => (x < 0 ? NaN : (x - 2) ** 2);
    expect(nelderMead(f, [0.5]).x[0]).toBeCloseTo(2, 6);
    const limited = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 5 });
    expect(limited.iterations).toBeLessThanOrEqual(5);
    expect(limited.converged).toBe(false);
  });
});
