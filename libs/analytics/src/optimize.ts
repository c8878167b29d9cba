/**
 * Derivative-free minimisation (Nelder-Mead), deterministic: the same function and start always
 * give the same result. The models minimise their negative log-likelihood over log-parameters.
 */

export interface NelderMeadOptions {
  /** Edge length of the starting simplex along each axis (default 0.5). */
  readonly initialStep?: number;
  /** Converged when every vertex is within this distance (max norm) of the best (default 1e-9). */
  readonly xTolerance?: number;
  /** ...and every vertex value is within this of the best (default 1e-10). */
  readonly fTolerance?: number;
  /** Iteration limit over all restarts (default 20,000). */
  readonly maxIterations?: number;
  /**
   * After convergence the search restarts from the best point with a fresh simplex, until a
   * restart no longer improves the value by more than fTolerance (guards against the simplex
   * collapsing early). Default 5.
   */
  readonly maxRestarts?: number;
  /**
   * Stop (not converged) when the best value improved by less than stagnationTolerance over
   * this many iterations: the simplex is creeping along a ridge towards a degenerate limit.
   * Defaults 500 and 1e-9.
   */
  readonly stagnationIterations?: number;
  readonly stagnationTolerance?: number;
}

export interface OptimizationResult {
  readonly x: number[];
  readonly value: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
}

/** Minimises f from x0. Non-finite values of f count as +Infinity (a wall the simplex avoids). */
export function nelderMead(
  f: (x: readonly number[]) => number,
  x0: readonly number[],
  options: NelderMeadOptions = {},
): OptimizationResult {
  const step = options.initialStep ?? 0.5;
  const xTol = options.xTolerance ?? 1e-9;
  const fTol = options.fTolerance ?? 1e-10;
  const maxIterations = options.maxIterations ?? 20_000;
  const maxRestarts = options.maxRestarts ?? 5;
  const stagnation = {
    iterations: options.stagnationIterations ?? 500,
    tolerance: options.stagnationTolerance ?? 1e-9,
  };

  let evaluations = 0;
  const evaluate = (x: readonly number[]): number => {
    evaluations++;
    const v = f(x);
    return Number.isFinite(v) ? v : Infinity;
  };

  let best = [...x0];
  let bestValue = evaluate(best);
  let iterations = 0;
  let converged = false;
  for (let restart = 0; restart <= maxRestarts && iterations < maxIterations; restart++) {
    const run = simplexSearch(evaluate, best, bestValue, {
      // Restarts begin near the optimum already, so a smaller simplex re-checks it cheaply.
      step: restart === 0 ? step : step / 10,
      xTol,
      fTol,
      maxIterations: maxIterations - iterations,
      stagnation,
    });
    iterations += run.iterations;
    const improvement = bestValue - run.value;
    if (run.value <= bestValue) {
      best = run.x;
      bestValue = run.value;
    }
    converged = run.converged;
    if (!run.converged || !(improvement > fTol)) break;
  }
  return { x: best, value: bestValue, iterations, evaluations, converged };
}

function simplexSearch(
  evaluate: (x: readonly number[]) => number,
  start: readonly number[],
  startValue: number,
  settings: {
    step: number;
    xTol: number;
    fTol: number;
    maxIterations: number;
    stagnation: { iterations: number; tolerance: number };
  },
): { x: number[]; value: number; iterations: number; converged: boolean } {
  const { step, xTol, fTol, maxIterations, stagnation } = settings;
  const n = start.length;
  // Adaptive coefficients (Gao & Han 2012); for n = 2 they are the classic 1, 2, 0.5, 0.5.
  const reflect = 1;
  const expand = 1 + 2 / n;
  const contract = 0.75 - 1 / (2 * n);
  const shrink = 1 - 1 / n;

  const points: number[][] = [[...start]];
  const values: number[] = [startValue];
  for (let i = 0; i < n; i++) {
    const p = [...start];
    p[i] += step;
    points.push(p);
    values.push(evaluate(p));
  }
  const order = Array.from({ length: n + 1 }, (_, i) => i);
  const centroid = new Array<number>(n).fill(0);
  const along = (from: readonly number[], towards: readonly number[], t: number): number[] =>
    from.map((v, i) => v + t * (towards[i] - v));

  let iterations = 0;
  let checkpoint = Infinity;
  while (iterations < maxIterations) {
    order.sort((i, j) => values[i] - values[j] || i - j);
    const bestI = order[0];
    const worstI = order[n];
    const secondWorstI = order[n - 1];
    if (hasConverged(points, values, bestI, xTol, fTol)) {
      return { x: points[bestI], value: values[bestI], iterations, converged: true };
    }
    if (iterations % stagnation.iterations === 0) {
      if (iterations > 0 && !(checkpoint - values[bestI] > stagnation.tolerance)) break;
      checkpoint = values[bestI];
    }
    iterations++;

    centroid.fill(0);
    for (let k = 0; k < n; k++) {
      const p = points[order[k]];
      for (let i = 0; i < n; i++) centroid[i] += p[i] / n;
    }
    const reflected = along(centroid, points[worstI], -reflect);
    const fr = evaluate(reflected);
    if (fr < values[bestI]) {
      const expanded = along(centroid, points[worstI], -reflect * expand);
      const fe = evaluate(expanded);
      if (fe < fr) replace(worstI, expanded, fe);
      else replace(worstI, reflected, fr);
      continue;
    }
    if (fr < values[secondWorstI]) {
      replace(worstI, reflected, fr);
      continue;
    }
    // Contract outside (towards the reflected point) or inside (towards the worst point).
    const outside = fr < values[worstI];
    const contracted = outside
      ? along(centroid, reflected, contract)
      : along(centroid, points[worstI], contract);
    const fc = evaluate(contracted);
    if (fc < (outside ? fr : values[worstI])) {
      replace(worstI, contracted, fc);
      continue;
    }
    const bestPoint = points[bestI];
    for (let k = 1; k <= n; k++) {
      const idx = order[k];
      points[idx] = along(bestPoint, points[idx], shrink);
      values[idx] = evaluate(points[idx]);
    }
  }
  order.sort((i, j) => values[i] - values[j] || i - j);
  return { x: points[order[0]], value: values[order[0]], iterations, converged: false };

  function replace(index: number, point: number[], value: number): void {
    points[index] = point;
    values[index] = value;
  }
}

function hasConverged(
  points: readonly (readonly number[])[],
  values: readonly number[],
  bestI: number,
  xTol: number,
  fTol: number,
): boolean {
  const best = points[bestI];
  for (let k = 0; k < points.length; k++) {
    if (Math.abs(values[k] - values[bestI]) > fTol) return false;
    for (let i = 0; i < best.length; i++) {
      if (Math.abs(points[k][i] - best[i]) > xTol) return false;
    }
  }
  return true;
}

/**
 * Log-parameters beyond +-18.4 (values outside 1e-8..1e8) mean the likelihood keeps improving
 * towards a degenerate limit (too little data); the fits stop at this wall instead of wandering.
 */
export const LOG_PARAMETER_BOUND = 18.4;

export function inBounds(logParams: readonly number[]): boolean {
  return logParams.every((v) => Math.abs(v) <= LOG_PARAMETER_BOUND);
}
