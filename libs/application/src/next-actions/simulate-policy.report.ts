import { Prng } from '@aftercare/analytics';
import type { PolicyRun, PolicyWorldOptions, TargetingPolicy } from './simulate-policy';

/** A gain over `none` with its bootstrap standard error and 95% interval. */
export interface Gain {
  estimate: number;
  standardError: number;
  ci95: [number, number];
}

export interface PolicyComparison {
  policy: TargetingPolicy;
  customersAliveAtStart: number;
  retained: number;
  retainedValue: number;
  actions: number;
  /** How many of each action the policy took. */
  actionsByKind: PolicyRun['actionsByKind'];
  cost: number;
  retainedGain: Gain;
  valueGain: Gain;
  /** Value gain minus what the actions cost. */
  netGain: Gain;
}

/**
 * Compares a run with the `none` run of the same world. Customers are paired (same seed, same
 * lives until acted on), so each gain is a sum of per-customer differences; its error comes from
 * resampling customers with replacement (`resamples` times, seeded).
 */
export function comparePolicy(
  run: PolicyRun,
  none: PolicyRun,
  resamples = 1000,
  seed = 1,
): PolicyComparison {
  const n = run.results.length;
  const dRetained = new Float64Array(n);
  const dValue = new Float64Array(n);
  const dNet = new Float64Array(n);
  let retained = 0;
  let value = 0;
  let actions = 0;
  let cost = 0;
  let alive = 0;
  run.results.forEach((r, i) => {
    const base = none.results[i];
    dRetained[i] = Number(r.retained) - Number(base.retained);
    dValue[i] = r.value - base.value;
    dNet[i] = dValue[i] - r.cost;
    retained += Number(r.retained);
    value += r.value;
    actions += r.actions;
    cost += r.cost;
    alive += Number(r.aliveAtStart);
  });
  return {
    policy: run.policy,
    customersAliveAtStart: alive,
    retained,
    retainedValue: value,
    actions,
    actionsByKind: run.actionsByKind,
    cost,
    retainedGain: bootstrapSum(dRetained, resamples, seed),
    valueGain: bootstrapSum(dValue, resamples, seed + 1),
    netGain: bootstrapSum(dNet, resamples, seed + 2),
  };
}

export function bootstrapSum(values: Float64Array, resamples: number, seed: number): Gain {
  const n = values.length;
  let estimate = 0;
  for (const v of values) estimate += v;
  // Only customers with a difference move a resampled sum: draw the rest as zeros in one count.
  const nonZero = Array.from(values).filter((v) => v !== 0);
  const prng = Prng.fromSeed(String(seed));
  const rand = () => prng.next();
  const sums: number[] = [];
  for (let b = 0; b < resamples; b++) {
    let sum = 0;
    // Binomial number of non-zero draws, then which ones: the same law as drawing all n.
    for (let i = 0; i < n; i++) {
      if (rand() * n < nonZero.length) sum += nonZero[Math.floor(rand() * nonZero.length)];
    }
    sums.push(sum);
  }
  sums.sort((a, b) => a - b);
  const mean = sums.reduce((a, b) => a + b, 0) / Math.max(1, sums.length);
  const sd =
    sums.length > 1
      ? Math.sqrt(sums.reduce((a, s) => a + (s - mean) ** 2, 0) / (sums.length - 1))
      : 0;
  const q = (p: number) => (sums.length ? sums[Math.round((sums.length - 1) * p)] : 0);
  return { estimate, standardError: sd, ci95: [q(0.025), q(0.975)] };
}

const fmt = (x: number) => Math.round(x).toLocaleString('en-US');
const fmtGain = (g: Gain) => `${fmt(g.estimate)} ± ${fmt(g.standardError)}`;

/** The comparison as a Markdown table, with the world it was measured on. */
export function formatPolicyComparison(
  options: PolicyWorldOptions,
  rows: readonly PolicyComparison[],
  seconds: number,
): string {
  const lines = [
    `customers ${options.customers}, seed ${options.seed}, budget ${options.budget}/month for ${options.policyMonths} months, ` +
      `action effect ${options.actionEffect}, organic actions ${options.organicActions}, ` +
      `experience effect ${options.experienceEffect}, ${options.from.slice(0, 10)}..${options.to.slice(0, 10)}, ${seconds.toFixed(0)} s`,
    '',
    '| policy | actions | cost | retained | retained gain vs none | retained value | value gain vs none | net of cost |',
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...rows.map(
      (r) =>
        `| ${r.policy} | ${fmt(r.actions)} | ${fmt(r.cost)} | ${fmt(r.retained)} / ${fmt(r.customersAliveAtStart)} | ` +
        `${fmtGain(r.retainedGain)} | ${fmt(r.retainedValue)} | ${fmtGain(r.valueGain)} | ${fmtGain(r.netGain)} |`,
    ),
    '',
    'Gains are sums over customers of (policy - none) in the same seeded world; ± is the bootstrap standard error (customers resampled).',
    '',
    ...rows.map(
      (r) =>
        `${r.policy}: ${
          Object.entries(r.actionsByKind)
            .sort((a, b) => (b[1] ?? 0) - (a[1] ?? 0))
            .map(([action, n]) => `${action} ${fmt(n ?? 0)}`)
            .join(', ') || 'no actions'
        }`,
    ),
  ];
  return lines.join('\n');
}
