/**
 * The CLV fit benchmark: synthesises a population from the BG/NBD and Gamma-Gamma processes
 * (deterministically, from a seed), writes it as CSV text and times parse, summary, both fits and
 * the per-customer scores, i.e. everything `clv fit` does except reading the file.
 */
import { BgNbdParams } from '../bg-nbd';
import { GammaGammaParams } from '../gamma-gamma';
import { fitClvModel, ClvModel } from '../clv';
import { parseCsvTransactions, summarizeTransactions } from '../rfm-summary';
import { formatDayNumber } from '../calendar';
import { Prng } from '../prng';

export interface SyntheticPopulationOptions {
  readonly customers: number;
  readonly seed?: number;
  readonly bgNbd?: BgNbdParams;
  readonly gammaGamma?: GammaGammaParams;
}

export interface SyntheticPopulation {
  /** `customer_id,date,amount` CSV text with its header. */
  readonly csv: string;
  readonly transactions: number;
  readonly calibrationEnd: string;
}

/** CDNOW-like defaults (the published fits). */
const DEFAULT_BG_NBD: BgNbdParams = { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 };
const DEFAULT_GAMMA_GAMMA: GammaGammaParams = { p: 6.25, q: 3.74, gamma: 15.44 };
const START_DAY = 19723; // 2024-01-01
const COHORT_DAYS = 84; // first purchases spread over 12 weeks
const CALIBRATION_DAYS = 364; // calibration ends 52 weeks after the start
const OBSERVED_DAYS = 455; // transactions continue 13 weeks past it (the summary must drop them)

/**
 * Each customer: lambda ~ Gamma(r, alpha) per week, p ~ Beta(a, b), a first purchase on a day
 * of the cohort, then purchases at rate lambda, dropping out after each repeat with probability p.
 * Order values ~ Gamma(p, nu) with nu ~ Gamma(q, gamma).
 */
export function synthesizePopulation(options: SyntheticPopulationOptions): SyntheticPopulation {
  const rng = Prng.fromSeed(String(options.seed ?? 20240101));
  const { r, alpha, a, b } = options.bgNbd ?? DEFAULT_BG_NBD;
  const gg = options.gammaGamma ?? DEFAULT_GAMMA_GAMMA;
  const lines = ['customer_id,date,amount'];
  for (let i = 0; i < options.customers; i++) {
    const id = `C${String(i + 1).padStart(6, '0')}`;
    const lambda = rng.gamma(r, alpha);
    const dropout = rng.beta(a, b);
    const nu = rng.gamma(gg.q, gg.gamma);
    const firstDay = START_DAY + Math.floor(rng.next() * COHORT_DAYS);
    const amount = (): string => rng.gamma(gg.p, nu).toFixed(2);
    lines.push(`${id},${formatDayNumber(firstDay)},${amount()}`);
    let weeks = 0;
    for (;;) {
      weeks += rng.exponential(1 / lambda);
      const day = firstDay + Math.floor(weeks * 7);
      if (!(day < START_DAY + OBSERVED_DAYS)) break;
      lines.push(`${id},${formatDayNumber(day)},${amount()}`);
      if (rng.next() < dropout) break;
    }
  }
  return {
    csv: lines.join('\n'),
    transactions: lines.length - 1,
    calibrationEnd: formatDayNumber(START_DAY + CALIBRATION_DAYS),
  };
}

export interface ClvBenchOptions {
  readonly customers?: number;
  readonly seed?: number;
  readonly horizonWeeks?: number;
  /** Milliseconds from an arbitrary origin; injected so the library itself reads no clock. */
  readonly now?: () => number;
}

export interface ClvBenchResult {
  readonly customers: number;
  readonly transactions: number;
  readonly milliseconds: {
    readonly parse: number;
    readonly summary: number;
    readonly fitAndScore: number;
    readonly total: number;
  };
  readonly model: ClvModel;
}

export function runClvBench(
  log: (line: string) => void,
  options: ClvBenchOptions = {},
): ClvBenchResult {
  const now = options.now ?? (() => performance.now());
  const customers = options.customers ?? 100_000;
  const population = synthesizePopulation({ customers, seed: options.seed });
  log(`clv bench: ${customers} customers, ${population.transactions} transactions`);

  const t0 = now();
  const transactions = parseCsvTransactions(population.csv);
  const t1 = now();
  const summary = summarizeTransactions(transactions, population.calibrationEnd);
  const t2 = now();
  const model = fitClvModel(summary, {
    horizonWeeks: options.horizonWeeks ?? 52,
    annualDiscountRate: 0.1,
  });
  const t3 = now();

  const milliseconds = { parse: t1 - t0, summary: t2 - t1, fitAndScore: t3 - t2, total: t3 - t0 };
  const { r, alpha, a, b } = model.bgNbd.params;
  const { p, q, gamma } = model.gammaGamma.params;
  log(
    `  BG/NBD r=${r.toFixed(3)} alpha=${alpha.toFixed(3)} a=${a.toFixed(3)} b=${b.toFixed(3)}` +
      ` (${model.bgNbd.evaluations} evaluations); Gamma-Gamma p=${p.toFixed(2)} q=${q.toFixed(2)}` +
      ` gamma=${gamma.toFixed(2)}`,
  );
  log(
    `  parse ${ms(milliseconds.parse)}, summary ${ms(milliseconds.summary)}, ` +
      `fit and score ${ms(milliseconds.fitAndScore)}, total ${ms(milliseconds.total)}`,
  );
  return { customers: summary.length, transactions: population.transactions, milliseconds, model };
}

function ms(v: number): string {
  return `${v.toFixed(0)} ms`;
}
