import { auc, brierScore, churnBand, type ChurnFactor, type ChurnFactorName } from './churn';
import { Prng } from './prng';

/** AUC and Brier score of churn risk and of the purchase process alone, on one population. */
export interface ChurnScores {
  customers: number;
  positives: number;
  aucChurnRisk: number;
  aucProbabilityAlive: number;
  /** aucChurnRisk - aucProbabilityAlive. */
  lift: number;
  /** Paired bootstrap standard error of the lift. */
  liftStandardError: number;
  brierChurnRisk: number;
  brierProbabilityAlive: number;
  /** Brier score of predicting the observed base rate for everyone (the no-skill reference). */
  brierBaseRate: number;
}

const BOOTSTRAP_RESAMPLES = 200;
/** Fixed, so a report is deterministic. */
const BOOTSTRAP_SEED = 0x9e3779b9;

export function mean(values: readonly number[]): number {
  return values.length ? values.reduce((a, b) => a + b, 0) / values.length : NaN;
}

/** Churn risk (`churn`) against the purchase process alone (`base`) on the same labels. */
export function churnScores(
  churn: readonly number[],
  base: readonly number[],
  labels: readonly boolean[],
): ChurnScores {
  const positives = labels.filter(Boolean).length;
  const rate = labels.length ? positives / labels.length : NaN;
  const aucChurnRisk = auc(churn, labels);
  const aucProbabilityAlive = auc(base, labels);
  return {
    customers: labels.length,
    positives,
    aucChurnRisk,
    aucProbabilityAlive,
    lift: aucChurnRisk - aucProbabilityAlive,
    liftStandardError: bootstrapLiftStandardError(churn, base, labels),
    brierChurnRisk: brierScore(churn, labels),
    brierProbabilityAlive: brierScore(base, labels),
    brierBaseRate: brierScore(
      labels.map(() => rate),
      labels,
    ),
  };
}

/** Paired bootstrap of the AUC difference: both scores resampled on the same customers. */
function bootstrapLiftStandardError(
  churn: readonly number[],
  base: readonly number[],
  labels: readonly boolean[],
): number {
  const n = labels.length;
  if (n === 0) return NaN;
  const random = Prng.fromSeed(String(BOOTSTRAP_SEED));
  const lifts: number[] = [];
  const c = new Array<number>(n);
  const b = new Array<number>(n);
  const l = new Array<boolean>(n);
  for (let k = 0; k < BOOTSTRAP_RESAMPLES; k++) {
    for (let i = 0; i < n; i++) {
      const j = Math.floor(random.next() * n);
      c[i] = churn[j];
      b[i] = base[j];
      l[i] = labels[j];
    }
    const d = auc(c, l) - auc(b, l);
    if (Number.isFinite(d)) lifts.push(d);
  }
  const m = mean(lifts);
  return Math.sqrt(
    lifts.reduce((s, d) => s + (d - m) * (d - m), 0) / Math.max(1, lifts.length - 1),
  );
}

/** Per churn band: customers, mean predicted probability and observed rate. */
export function bandCalibration(
  probabilities: readonly number[],
  labels: readonly boolean[],
): { band: string; customers: number; meanProbability: number; observedRate: number }[] {
  return (['low', 'medium', 'high'] as const).map((band) => {
    const idx = probabilities.flatMap((p, i) => (churnBand(p) === band ? [i] : []));
    return {
      band,
      customers: idx.length,
      meanProbability: mean(idx.map((i) => probabilities[i])),
      observedRate: mean(idx.map((i) => (labels[i] ? 1 : 0))),
    };
  });
}

/** Per factor: how many customers have it, and the observed rate with and without it. */
export function factorDiagnostics<Name extends ChurnFactorName>(
  names: readonly Name[],
  weights: Readonly<Record<Name, number>>,
  factors: readonly (readonly ChurnFactor[])[],
  labels: readonly boolean[],
): {
  name: Name;
  weight: number;
  customers: number;
  observedRateWith: number;
  observedRateWithout: number;
}[] {
  return names.map((name) => {
    const present = factors.map((fs) => (fs.find((f) => f.name === name)?.value ?? 0) > 0);
    const rate = (want: boolean): number =>
      mean(labels.filter((_, i) => present[i] === want).map((l) => (l ? 1 : 0)));
    return {
      name,
      weight: weights[name],
      customers: present.filter(Boolean).length,
      observedRateWith: rate(true),
      observedRateWithout: rate(false),
    };
  });
}
