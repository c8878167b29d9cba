/**
 * Maximum-likelihood fitting shared by the models (BG/NBD, MBG/NBD, Gamma-Gamma): Nelder-Mead over
 * log-parameters, then a check of what came out. An optimiser reports "converged" whenever the
 * simplex stops moving, which on sparse data happens while it creeps towards a degenerate limit
 * (a -> infinity, b -> 0, ...); such a fit must not be used, so it carries a refusal reason.
 */
import { LOG_PARAMETER_BOUND, inBounds, nelderMead } from './optimize';

const { log, exp } = Math;

export interface MaximumLikelihoodFit<P> {
  readonly params: P;
  readonly logLikelihood: number;
  readonly iterations: number;
  readonly evaluations: number;
  readonly converged: boolean;
  /**
   * Why the fit must not be used (its parameters sit at a degenerate limit, its likelihood or
   * its predictions are not finite, ...); absent for a usable fit.
   */
  readonly refusal?: string;
}

export interface MaximumLikelihoodOptions<P> {
  /** Model name for messages, e.g. 'BG/NBD'. */
  readonly model: string;
  readonly logLikelihood: (params: P) => number;
  readonly start: P;
  /** Observations behind the likelihood: it is scaled by 1/population for the tolerances. */
  readonly population: number;
  readonly maxIterations?: number;
  /**
   * The model's own checks of fitted parameters (e.g. q > 1, finite predictions over the data):
   * a reason to refuse, or undefined. Exceptions count as a reason.
   */
  readonly check?: (params: P) => string | undefined;
}

/**
 * The range a fitted parameter must fall in to be one the data determined. Towards 0 a shape
 * parameter puts the mixing distribution's mass at an edge (b -> 0: every customer drops out at
 * once), the limit sparse data drifts to; 1e-5 is far below any fit of real data. Upwards, shape
 * and scale growing together is the homogeneous limit (a Beta or Gamma narrowing to a point
 * mass), which predicts sensibly, so only the neighbourhood of the search wall (1e8) is refused.
 */
const SMALLEST = 1e-5;
const LARGEST = Math.exp(LOG_PARAMETER_BOUND) / 10;

export function fitMaximumLikelihood<P extends { readonly [K in keyof P]: number }>(
  options: MaximumLikelihoodOptions<P>,
): MaximumLikelihoodFit<P> {
  const { logLikelihood, start, model } = options;
  const names = Object.keys(start) as (keyof P & string)[];
  const toParams = (v: readonly number[]): P => {
    const params: Record<string, number> = {};
    names.forEach((name, i) => (params[name] = exp(v[i])));
    return params as unknown as P;
  };
  const scale = 1 / options.population;
  const result = nelderMead(
    (v) => (inBounds(v) ? -logLikelihood(toParams(v)) * scale : Infinity),
    names.map((name) => log(start[name])),
    { maxIterations: options.maxIterations, xTolerance: 1e-7, fTolerance: 1e-12 },
  );
  const params = toParams(result.x);
  const value = logLikelihood(params);
  const refusal = refusalOf(model, params, names, value, options.check);
  return {
    params,
    logLikelihood: value,
    iterations: result.iterations,
    evaluations: result.evaluations,
    converged: result.converged,
    ...(refusal === undefined ? {} : { refusal }),
  };
}

function refusalOf<P extends { readonly [K in keyof P]: number }>(
  model: string,
  params: P,
  names: readonly (keyof P & string)[],
  logLikelihood: number,
  check: ((params: P) => string | undefined) | undefined,
): string | undefined {
  const shown = names.map((name) => `${name} = ${params[name].toPrecision(4)}`).join(', ');
  if (!Number.isFinite(logLikelihood)) {
    return `${model} fit refused: its log-likelihood is not finite (${shown})`;
  }
  const degenerate = names.filter((name) => !(params[name] >= SMALLEST && params[name] <= LARGEST));
  if (degenerate.length > 0) {
    return (
      `${model} fit refused: ${degenerate.join(' and ')} went to a degenerate limit (${shown}); ` +
      `the data cannot determine ${degenerate.length > 1 ? 'them' : 'it'} (too few customers or purchases)`
    );
  }
  let reason: string | undefined;
  try {
    reason = check?.(params);
  } catch (error) {
    reason = (error as Error).message;
  }
  return reason === undefined ? undefined : `${model} fit refused: ${reason} (${shown})`;
}
