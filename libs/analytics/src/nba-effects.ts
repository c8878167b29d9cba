/**
 * How much each retention action changes the chance that a customer stays, estimated from the
 * store's own history. The design is a sequence of "trials": at monthly snapshots and at every
 * bad incident of a customer, each customer for whom an action is eligible (nba-eligibility.ts)
 * either got it within the next `treatmentWindowDays` (treated) or got no action at all in that
 * window (comparison). The outcome is staying, seen as a purchase after the window (until the
 * observed end; a trial needs `horizonDays` of it). Treated and comparison customers are compared
 * within exact strata of purchase frequency and recency, and within bands of how troubled they
 * were around the trial (bad incidents in the 30 days before to the window's end) and how much
 * they bought lately (purchases in the 120 days before to the window's end): agents act on the
 * troubled and after purchases, and both go with staying or leaving whatever is done. The
 * stratum differences are averaged with the treated counts as weights: the effect on the
 * treated. The interval is a bootstrap over customers (all of one customer's trials together),
 * so repeated trials of one customer do not narrow it.
 *
 * Where fewer than `minTreated` treated trials exist, the history is too thin: the effect is
 * the stated assumption (`assumed`), marked as such, with no interval.
 */
import { eligibleActions, NBA_ACTIONS, NBA_STRATA, nbaStratum } from './nba-eligibility';
import type { RetentionActionName, RetentionTimeline, TimelineSnapshot } from './nba-timeline';
import { snapshotAt } from './nba-timeline';
import { Prng } from './prng';

const DAY = 86_400_000;
const STRATA = NBA_STRATA;
/**
 * Bands of the bad incidents a customer had around a trial (the 30 days before it and the
 * treatment window after): agents follow up the troubled more often, and trouble itself makes
 * customers leave, so treated and comparison customers are only compared within a band.
 */
const INCIDENT_BANDS = [0, 1, 2, 4, Number.POSITIVE_INFINITY];
/** Likewise purchases in the last 120 days: offers follow purchases, more purchases more offers. */
const PURCHASE_BANDS = [0, 1, 2, Number.POSITIVE_INFINITY];
const BURDEN = { length: INCIDENT_BANDS.length * PURCHASE_BANDS.length };
/**
 * Bands of the bad incidents in the 90 days up to the trial, known when an action is chosen:
 * the grievance a service play answers grows with them, so its effect may too. The effect is
 * measured within each band (and applied to a customer by theirs), shrunk towards the overall.
 */
export const NBA_TROUBLE_BANDS: readonly { upTo: number; name: string }[] = [
  { upTo: 0, name: 'i0' },
  { upTo: 1, name: 'i1' },
  { upTo: 2, name: 'i2' },
  { upTo: Number.POSITIVE_INFINITY, name: 'i3+' },
];
const TROUBLE = NBA_TROUBLE_BANDS.length;
const CELLS = NBA_ACTIONS.length * STRATA.length * BURDEN.length * TROUBLE;

/** The trouble band of a customer: bad incidents in the 90 days up to the snapshot. */
export function nbaTroubleBand(s: TimelineSnapshot): string {
  return troubleBandOf(s.incidentsLast90Days).name;
}

function troubleBandOf(incidents: number): { upTo: number; name: string } {
  return NBA_TROUBLE_BANDS.find((b) => incidents <= b.upTo) ?? NBA_TROUBLE_BANDS[TROUBLE - 1];
}

export interface NbaEffectOptions {
  /** Snapshot times (epoch ms). Only those whose horizon ends by `observedUntil` are used. */
  snapshots: readonly number[];
  /**
   * Also a trial at every bad incident of a customer (between the first and the last snapshot):
   * the service plays are taken within days of an incident, so a monthly grid sees only the
   * few that straddle a snapshot; anchored at the incident, every timely one is a treated case.
   */
  incidentTrials: boolean;
  /** Where the observed history ends (epoch ms). */
  observedUntil: number;
  horizonDays: number;
  /**
   * Where staying is looked for: a purchase within the horizon after the trial ('horizon'), or
   * any time after it until the observed end ('observed'; trials still need the whole horizon
   * observed). The longer look sees more of the customers who are still there (a slow buyer
   * may not buy within a year), so an effect on staying shows more clearly.
   */
  stay: 'horizon' | 'observed';
  treatmentWindowDays: number;
  minTreated: number;
  /** Δ P(stay) to use where the history is too thin: stated assumptions, shown beside figures. */
  assumed: Readonly<Record<RetentionActionName, number>>;
  /**
   * How far from its stated assumption an action's true effect may plausibly be (the prior's
   * standard deviation): the history's estimate is weighed against the assumption by their
   * precisions (nba-value.ts), so an estimate as noisy as the effects it measures moves the
   * figure little, and a precise one decides it.
   */
  priorSd: number;
  /** Bootstrap resamples (0: none) and their seed. */
  bootstrap: number;
  seed: number;
}

export const DEFAULT_NBA_EFFECT_OPTIONS = {
  incidentTrials: true,
  horizonDays: 365,
  stay: 'observed',
  treatmentWindowDays: 14,
  minTreated: 30,
  priorSd: 0.03,
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

/** The effect among customers with as many bad incidents in the 90 days before (a band). */
export interface TroubleBandEffect {
  band: string;
  treated: number;
  controls: number;
  /** Difference in this band, shrunk towards the action's overall effect by its size. */
  delta: number;
}

export interface ActionEffect {
  action: RetentionActionName;
  source: 'history' | 'assumption';
  /** Δ P(stay over the horizon) for a customer who gets the action, on the treated. */
  delta: number;
  /** The stated assumption the history is weighed against (absent in fits made before it). */
  prior?: { mean: number; sd: number };
  standardError: number | null;
  ci95: [number, number] | null;
  treated: number;
  controls: number;
  strata: StratumEffect[];
  /** By trouble band (absent in fits made before it was measured: no shift then). */
  troubleBands?: TroubleBandEffect[];
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
  const first = times.length ? times[0] : 0;
  const last = times.length ? times[times.length - 1] : -1;
  for (const t of timelines) {
    const cells = new Map<number, [number, number, number, number]>();
    const trials = options.incidentTrials ? trialTimes(t, times, first, last) : times;
    for (const s of trials) {
      if (t.erasedAt !== null && t.erasedAt <= s) continue;
      const snap = snapshotAt(t, s);
      const eligible = eligibleActions(snap);
      if (eligible.length === 0) continue;
      const stratum = STRATA.indexOf(nbaStratum(snap));
      const burden = burdenBand(t, s, s + window);
      const trouble = NBA_TROUBLE_BANDS.indexOf(troubleBandOf(snap.incidentsLast90Days));
      const stayUntil = options.stay === 'observed' ? options.observedUntil : s + horizon;
      const stayed = t.purchases.some((p) => p.at > s + window && p.at <= stayUntil) ? 1 : 0;
      const taken = t.actions.filter((a) => a.at > s && a.at <= s + window);
      for (const { action } of eligible) {
        const treated = taken.some((a) => a.action === action);
        if (!treated && taken.length > 0) continue;
        const cell =
          ((NBA_ACTIONS.indexOf(action) * STRATA.length + stratum) * BURDEN.length + burden) *
            TROUBLE +
          trouble;
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
    const method = `stratified comparison at ${times.length} monthly snapshots${options.incidentTrials ? ' and every bad incident between them' : ''}: eligible customers who got the action within ${options.treatmentWindowDays} days vs eligible ones who got no action, exact strata of purchase frequency (3 bands) x days since the last purchase (5 bands) x bad incidents around the trial (5 bands) x purchases in the 120 days before (4 bands) x bad incidents in the 90 days before (4 bands, the effect also given per band), treated-weighted; stay = a purchase after the window, ${options.stay === 'observed' ? 'until the observed end' : `within ${options.horizonDays} days`}; 95% interval from ${options.bootstrap} bootstrap resamples of customers`;
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
      prior: { mean: options.assumed[action], sd: options.priorSd },
      standardError: se,
      ci95: ci,
      treated,
      controls,
      strata: e.strata.map(({ rawDelta, ...s }) => ({
        ...s,
        delta: (s.treated * rawDelta + SHRINK * e.delta) / (s.treated + SHRINK),
      })),
      troubleBands: e.bands.map(({ rawDelta, ...b }) => ({
        ...b,
        delta: (b.treated * rawDelta + SHRINK * e.delta) / (b.treated + SHRINK),
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

/** The band (index into BURDEN) of the customer's bad incidents in (from, to]. */
function burdenBand(t: RetentionTimeline, s: number, windowEnd: number): number {
  let n = 0;
  for (const i of t.incidents) if (i.at > s - 30 * DAY && i.at <= windowEnd) n++;
  let p = 0;
  for (const x of t.purchases) if (x.at > s - 120 * DAY && x.at <= windowEnd) p++;
  return (
    INCIDENT_BANDS.findIndex((upTo) => n <= upTo) * PURCHASE_BANDS.length +
    PURCHASE_BANDS.findIndex((upTo) => p <= upTo)
  );
}

/** The grid's times and the customer's bad incidents within the grid's span, in time order. */
function trialTimes(
  t: RetentionTimeline,
  grid: readonly number[],
  first: number,
  last: number,
): number[] {
  const incidents = t.incidents.filter((i) => i.at >= first && i.at <= last).map((i) => i.at);
  if (incidents.length === 0) return grid as number[];
  return [...new Set([...grid, ...incidents])].sort((a, b) => a - b);
}

/** Treated snapshots a stratum's own difference weighs as much as the overall effect. */
const SHRINK = 50;

/**
 * The effect of one action for a customer in a stratum and a trouble band: the stratum's
 * effect moved by how far the band's lies from the overall one (the overall effect where the
 * history has neither).
 */
export function stratumDelta(effect: ActionEffect, stratum: string, troubleBand?: string): number {
  const base = effect.strata.find((s) => s.stratum === stratum)?.delta ?? effect.delta;
  const band = effect.troubleBands?.find((b) => b.band === troubleBand);
  return band === undefined ? base : base + band.delta - effect.delta;
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
type RawBand = Omit<TroubleBandEffect, 'delta'> & { rawDelta: number };

function attEffect(
  totals: Float64Array,
  action: number,
): {
  delta: number;
  treated: number;
  controls: number;
  strata: RawStratum[];
  bands: RawBand[];
} | null {
  let weighted = 0;
  let treated = 0;
  let controls = 0;
  const strata: RawStratum[] = [];
  const byBand = NBA_TROUBLE_BANDS.map(() => ({ w: 0, nt: 0, nc: 0 }));
  STRATA.forEach((stratum, s) => {
    let nt = 0;
    let nc = 0;
    let yt = 0;
    let yc = 0;
    let w = 0;
    for (let b = 0; b < BURDEN.length; b++) {
      for (let m = 0; m < TROUBLE; m++) {
        const base = (((action * STRATA.length + s) * BURDEN.length + b) * TROUBLE + m) * 4;
        const [bt, byt, bc, byc] = [
          totals[base],
          totals[base + 1],
          totals[base + 2],
          totals[base + 3],
        ];
        if (bt === 0 || bc === 0) continue;
        const d = bt * (byt / bt - byc / bc);
        w += d;
        nt += bt;
        yt += byt;
        nc += bc;
        // The comparison's stay rate reweighted to the treated's bands (what they would have had).
        yc += (bt * byc) / bc;
        byBand[m].w += d;
        byBand[m].nt += bt;
        byBand[m].nc += bc;
      }
    }
    if (nt === 0) return;
    weighted += w;
    treated += nt;
    controls += nc;
    strata.push({
      stratum,
      treated: nt,
      controls: nc,
      treatedStayRate: yt / nt,
      controlStayRate: yc / nt,
      rawDelta: w / nt,
    });
  });
  const bands = byBand.flatMap((b, m) =>
    b.nt === 0
      ? []
      : [
          {
            band: NBA_TROUBLE_BANDS[m].name,
            treated: b.nt,
            controls: b.nc,
            rawDelta: b.w / b.nt,
          },
        ],
  );
  return treated === 0 ? null : { delta: weighted / treated, treated, controls, strata, bands };
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
