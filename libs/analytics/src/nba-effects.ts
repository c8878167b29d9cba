/**
 * How much each retention action changes the chance that a customer stays, estimated from the
 * store's own history. The design is a sequence of monthly "trials": at each snapshot time, every
 * customer for whom an action is eligible (nba-eligibility.ts) either got it within the next
 * `treatmentWindowDays` (treated) or got no action at all in that window (comparison). The
 * outcome is staying, seen as a purchase within `horizonDays` after the snapshot. Treated and
 * comparison customers are compared within strata of purchase frequency and recency (exact
 * matching on those), and the stratum differences are averaged with the treated counts as
 * weights: the effect on the treated. The interval is a bootstrap over customers (all of one
 * customer's snapshots together), so repeated snapshots of one customer do not narrow it.
 *
 * Where fewer than `minTreated` treated snapshots exist, the history is too thin: the effect is
 * the stated assumption (`assumed`), marked as such, with no interval.
 */
import { eligibleActions, NBA_ACTIONS, NBA_STRATA, nbaStratum } from './nba-eligibility';
import type { RetentionActionName, RetentionTimeline } from './nba-timeline';
import { snapshotAt } from './nba-timeline';
import { Prng } from './prng';

const DAY = 86_400_000;
const STRATA = NBA_STRATA;
const CELLS = NBA_ACTIONS.length * STRATA.length;

export interface NbaEffectOptions {
  /** Snapshot times (epoch ms). Only those whose horizon ends by `observedUntil` are used. */
  snapshots: readonly number[];
  /** Where the observed history ends (epoch ms). */
  observedUntil: number;
  horizonDays: number;
  treatmentWindowDays: number;
  minTreated: number;
  /** Δ P(stay) to use where the history is too thin: stated assumptions, shown beside figures. */
  assumed: Readonly<Record<RetentionActionName, number>>;
  /** Bootstrap resamples (0: none) and their seed. */
  bootstrap: number;
  seed: number;
}

export const DEFAULT_NBA_EFFECT_OPTIONS = {
  horizonDays: 365,
  treatmentWindowDays: 14,
  minTreated: 30,
  bootstrap: 200,
  seed: 1,
  /** Cautious guesses, used only without evidence: small effects of the service plays. */
  assumed: {
    recovery_call: 0.03,
    goodwill_credit: 0.02,
    expedited_repair: 0.03,
    maintenance_plan_offer: 0.01,
    accessory_offer: 0.005,
    referral_ask: 0,
    review_request: 0,
  },
} as const;

export interface StratumEffect {
  stratum: string;
  treated: number;
  controls: number;
  treatedStayRate: number | null;
  controlStayRate: number | null;
  /** Difference in this stratum, shrunk towards the action's overall effect by its size. */
  delta: number;
}

export interface ActionEffect {
  action: RetentionActionName;
  source: 'history' | 'assumption';
  /** Δ P(stay over the horizon) for a customer who gets the action, on the treated. */
  delta: number;
  standardError: number | null;
  ci95: [number, number] | null;
  treated: number;
  controls: number;
  strata: StratumEffect[];
  method: string;
  note: string;
}

export interface NbaEffects {
  horizonDays: number;
  treatmentWindowDays: number;
  snapshots: { count: number; from: string | null; to: string | null };
  customers: number;
  bootstrapResamples: number;
  effects: Record<RetentionActionName, ActionEffect>;
}

/** Per customer: the cells they contributed to, as [cell, treated, treatedStayed, ctrl, ctrlStayed]. */
type Contribution = number[];

export function estimateActionEffects(
  timelines: Iterable<RetentionTimeline>,
  options: NbaEffectOptions,
): NbaEffects {
  const horizon = options.horizonDays * DAY;
  const window = options.treatmentWindowDays * DAY;
  const times = options.snapshots.filter((s) => s + horizon <= options.observedUntil);
  const contributions: Contribution[] = [];
  for (const t of timelines) {
    const cells = new Map<number, [number, number, number, number]>();
    for (const s of times) {
      if (t.erasedAt !== null && t.erasedAt <= s) continue;
      const snap = snapshotAt(t, s);
      const eligible = eligibleActions(snap);
      if (eligible.length === 0) continue;
      const stratum = STRATA.indexOf(nbaStratum(snap));
      const stayed = t.purchases.some((p) => p.at > s && p.at <= s + horizon) ? 1 : 0;
      const taken = t.actions.filter((a) => a.at > s && a.at <= s + window);
      for (const { action } of eligible) {
        const treated = taken.some((a) => a.action === action);
        if (!treated && taken.length > 0) continue;
        const cell = NBA_ACTIONS.indexOf(action) * STRATA.length + stratum;
        let c = cells.get(cell);
        if (!c) cells.set(cell, (c = [0, 0, 0, 0]));
        const offset = treated ? 0 : 2;
        c[offset] += 1;
        c[offset + 1] += stayed;
      }
    }
    if (cells.size === 0) continue;
    const flat: number[] = [];
    for (const [cell, c] of cells) flat.push(cell, ...c);
    contributions.push(flat);
  }

  const totals = sumCells(contributions, null);
  const point = NBA_ACTIONS.map((_, a) => attEffect(totals, a));
  const resamples: number[][] = NBA_ACTIONS.map(() => []);
  const prng = Prng.fromSeed(String(options.seed));
  const rand = () => prng.next();
  for (let b = 0; b < options.bootstrap && contributions.length > 0; b++) {
    const sample = sumCells(contributions, rand);
    NBA_ACTIONS.forEach((_, a) => {
      const e = attEffect(sample, a);
      if (e !== null) resamples[a].push(e.delta);
    });
  }

  const effects = {} as Record<RetentionActionName, ActionEffect>;
  NBA_ACTIONS.forEach((action, a) => {
    const e = point[a];
    const treated = e?.treated ?? 0;
    const controls = e?.controls ?? 0;
    const method = `stratified comparison at ${times.length} monthly snapshots: eligible customers who got the action within ${options.treatmentWindowDays} days vs eligible ones who got no action, exact strata of purchase frequency (3 bands) x days since the last purchase (5 bands), treated-weighted; stay = a purchase within ${options.horizonDays} days; 95% interval from ${options.bootstrap} bootstrap resamples of customers`;
    if (e === null || treated < options.minTreated) {
      effects[action] = {
        action,
        source: 'assumption',
        delta: options.assumed[action],
        standardError: null,
        ci95: null,
        treated,
        controls,
        strata: [],
        method,
        note: `history too thin (${treated} treated, ${options.minTreated} needed): the stated assumption ${options.assumed[action]} is used`,
      };
      return;
    }
    const draws = resamples[a].sort((x, y) => x - y);
    const se = draws.length > 1 ? standardDeviation(draws) : null;
    const ci: [number, number] | null =
      draws.length >= 20 ? [quantile(draws, 0.025), quantile(draws, 0.975)] : null;
    effects[action] = {
      action,
      source: 'history',
      delta: e.delta,
      standardError: se,
      ci95: ci,
      treated,
      controls,
      strata: e.strata.map(({ rawDelta, ...s }) => ({
        ...s,
        delta: (s.treated * rawDelta + SHRINK * e.delta) / (s.treated + SHRINK),
      })),
      method,
      note:
        ci !== null && ci[0] <= 0 && ci[1] >= 0
          ? 'the interval includes 0: the history does not show that this action helps'
          : '',
    };
  });
  return {
    horizonDays: options.horizonDays,
    treatmentWindowDays: options.treatmentWindowDays,
    snapshots: {
      count: times.length,
      from: times.length ? new Date(times[0]).toISOString() : null,
      to: times.length ? new Date(times[times.length - 1]).toISOString() : null,
    },
    customers: contributions.length,
    bootstrapResamples: options.bootstrap,
    effects,
  };
}

/** Treated snapshots a stratum's own difference weighs as much as the overall effect. */
const SHRINK = 50;

/** The effect of one action in a stratum, for a customer in it (the overall effect if absent). */
export function stratumDelta(effect: ActionEffect, stratum: string): number {
  return effect.strata.find((s) => s.stratum === stratum)?.delta ?? effect.delta;
}

function sumCells(
  contributions: readonly Contribution[],
  rand: (() => number) | null,
): Float64Array {
  const totals = new Float64Array(CELLS * 4);
  const n = contributions.length;
  for (let k = 0; k < n; k++) {
    const c = contributions[rand === null ? k : Math.floor(rand() * n)];
    for (let j = 0; j < c.length; j += 5) {
      const base = c[j] * 4;
      totals[base] += c[j + 1];
      totals[base + 1] += c[j + 2];
      totals[base + 2] += c[j + 3];
      totals[base + 3] += c[j + 4];
    }
  }
  return totals;
}

type RawStratum = Omit<StratumEffect, 'delta'> & { rawDelta: number };

function attEffect(
  totals: Float64Array,
  action: number,
): { delta: number; treated: number; controls: number; strata: RawStratum[] } | null {
  let weighted = 0;
  let treated = 0;
  let controls = 0;
  const strata: RawStratum[] = [];
  STRATA.forEach((stratum, s) => {
    const base = (action * STRATA.length + s) * 4;
    const [nt, yt, nc, yc] = [totals[base], totals[base + 1], totals[base + 2], totals[base + 3]];
    if (nt === 0 || nc === 0) return;
    const d = yt / nt - yc / nc;
    weighted += nt * d;
    treated += nt;
    controls += nc;
    strata.push({
      stratum,
      treated: nt,
      controls: nc,
      treatedStayRate: yt / nt,
      controlStayRate: yc / nc,
      rawDelta: d,
    });
  });
  return treated === 0 ? null : { delta: weighted / treated, treated, controls, strata };
}

function standardDeviation(xs: readonly number[]): number {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  return Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (xs.length - 1));
}

function quantile(sorted: readonly number[], q: number): number {
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}
