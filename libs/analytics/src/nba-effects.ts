/**
 * How much each retention action changes the chance that a customer stays, estimated from the
 * store's own history. An action works on the part of a customer's churn risk that comes from
 * their service experience (the grievance an incident leaves): its effect is a share of that
 * risk taken away, so Δ P(stay) = share x the customer's service risk (nba-value.ts), and a
 * customer with no such risk gains nothing from any action.
 *
 * The design is a sequence of "trials": at monthly snapshots and at every bad incident of a
 * customer, each customer for whom an action is eligible (nba-eligibility.ts) either got it
 * within the next `treatmentWindowDays` (treated) or got no action at all in that window
 * (comparison). The outcome is staying, seen as a purchase after the window (until the observed
 * end; a trial needs `horizonDays` of it). Treated and comparison trials are compared within
 * exact cells of the service risk at the trial (the churn model's score, bands), purchase
 * frequency and recency, bad incidents around the trial and in the 90 days before it, and
 * purchases lately: agents act on the troubled and after purchases, and all of these go with
 * staying or leaving whatever is done. A cell needs both treated and comparison trials. The share
 * is the treated-weighted sum of the cells' differences in staying over the treated's summed
 * service risk (a ratio of the effect on the treated to the risk it acted on). The interval is a
 * bootstrap over customers (all of one customer's trials together), so repeated trials of one
 * customer do not narrow it; the share is believed in proportion to its precision against a
 * prior centred on 0 (nba-value.ts), so a noisy estimate moves no budget.
 *
 * Where fewer than `minTreated` treated trials exist, or the treated had no service risk to
 * reduce, the history is too thin: the effect is the stated assumption (`assumed`), marked as
 * such, with no interval.
 *
 * Fits recorded before the share (no `scale` on NbaEffects) hold absolute Δ P(stay) by stratum
 * and trouble band; stratumDelta still reads them.
 */
import { eligibleActions, NBA_ACTIONS, NBA_STRATA, nbaStratum } from './nba-eligibility';
import type { RfmObservation } from './bg-nbd';
import type { RetentionActionName, RetentionTimeline, TimelineSnapshot } from './nba-timeline';
import { snapshotAt, timelineRfm } from './nba-timeline';
import { Prng } from './prng';

const DAY = 86_400_000;
const WEEK = 7 * DAY;
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
 * Bands of the bad incidents in the 90 days up to the trial, known when an action is chosen.
 * Fits before the share measured the effect within each band; now they are comparison cells.
 */
export const NBA_TROUBLE_BANDS: readonly { upTo: number; name: string }[] = [
  { upTo: 0, name: 'i0' },
  { upTo: 1, name: 'i1' },
  { upTo: 2, name: 'i2' },
  { upTo: Number.POSITIVE_INFINITY, name: 'i3+' },
];
const TROUBLE = NBA_TROUBLE_BANDS.length;
/**
 * Bands of the service risk at the trial (upper bounds): the comparison is between customers the
 * churn model rates alike (subclassification on a prognostic score), so the troubled who are
 * acted on more are not compared with the untroubled.
 */
export const NBA_RISK_BANDS: readonly number[] = [0.01, 0.03, 0.1, 0.3, Number.POSITIVE_INFINITY];
const RISK = NBA_RISK_BANDS.length;
const CELLS = NBA_ACTIONS.length * STRATA.length * BURDEN.length * TROUBLE * RISK;
/**
 * Per cell: treated, treated who stayed, comparison, comparison who stayed, treated's risk, and
 * the staying the purchase process predicted at the trial for the treated and for the comparison.
 */
const STATS = 7;
/** Below this mean service risk of the treated, a share of it cannot be measured. */
const MEASURABLE_RISK = 0.001;

/** The trouble band of a customer: bad incidents in the 90 days up to the snapshot. */
export function nbaTroubleBand(s: TimelineSnapshot): string {
  return troubleBandOf(s.incidentsLast90Days).name;
}

function troubleBandOf(incidents: number): { upTo: number; name: string } {
  return NBA_TROUBLE_BANDS.find((b) => incidents <= b.upTo) ?? NBA_TROUBLE_BANDS[TROUBLE - 1];
}

/** The customer's churn risk that comes from their service experience, at a snapshot (0..1). */
export type ServiceRisk = (t: RetentionTimeline, snap: TimelineSnapshot) => number;

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
  /**
   * When given, staying is instead the purchase process's probability that the customer is
   * alive at the observed end, given every purchase but those inside the treatment window: what
   * an action is for, and far less noisy than whether a slow buyer happened to buy again (a
   * customer still there who has not bought yet counts as likely there, not as gone). Given
   * `weeksAhead`, the probability of being alive that many weeks after the rfm's end: the
   * prediction at the trial, subtracted from the outcome (regression adjustment).
   */
  probabilityAlive?: (rfm: RfmObservation, weeksAhead?: number) => number;
  treatmentWindowDays: number;
  minTreated: number;
  /** The risk an action works on (nba-value.ts: serviceRisk from the value model). */
  serviceRisk: ServiceRisk;
  /**
   * Shares of the service risk to use where the history is too thin: stated assumptions, shown
   * beside figures.
   */
  assumed: Readonly<Record<RetentionActionName, number>>;
  /**
   * How large a share may plausibly be (the standard deviation of a prior centred on 0): the
   * history's estimate is believed by its precision against it (nba-value.ts), so a share as
   * noisy as this counts half, and a precise one decides.
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
  priorSd: 0.25,
  bootstrap: 200,
  seed: 1,
  /**
   * Cautious guesses, used only without evidence: the service plays take a fifth to a third of
   * the grievance's risk away; offers and asks nothing.
   */
  assumed: {
    recovery_call: 0.3,
    goodwill_credit: 0.2,
    expedited_repair: 0.3,
    maintenance_plan_offer: 0.05,
    accessory_offer: 0,
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
  /**
   * The effect on the treated: the share of the service risk the action takes away (fits with
   * NbaEffects.scale 'share-of-service-risk'), or Δ P(stay over the horizon) (older fits).
   */
  delta: number;
  /** The prior the history is weighed against (absent in the first fits). */
  prior?: { mean: number; sd: number };
  standardError: number | null;
  ci95: [number, number] | null;
  treated: number;
  controls: number;
  /** Mean service risk of the treated trials compared (the risk the share was measured on). */
  treatedServiceRisk?: number;
  /** The treated's stay rate and the comparison's, reweighted to the treated's cells. */
  treatedStayRate?: number | null;
  controlStayRate?: number | null;
  /** Older fits: the effect by stratum (empty now: the cells only balance the comparison). */
  strata: StratumEffect[];
  /** Older fits: by trouble band. */
  troubleBands?: TroubleBandEffect[];
  method: string;
  note: string;
}

export interface NbaEffects {
  /**
   * What `delta` measures: 'share-of-service-risk' (Δ P(stay) = delta x the customer's service
   * risk); absent in fits made before it, whose delta is Δ P(stay) itself.
   */
  scale?: 'share-of-service-risk';
  horizonDays: number;
  treatmentWindowDays: number;
  snapshots: { count: number; from: string | null; to: string | null };
  customers: number;
  bootstrapResamples: number;
  effects: Record<RetentionActionName, ActionEffect>;
}

/** Per customer: the cells they contributed to, as [cell, ...STATS numbers]. */
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
    const cells = new Map<number, number[]>();
    const trials = options.incidentTrials ? trialTimes(t, times, first, last) : times;
    for (const s of trials) {
      if (t.erasedAt !== null && t.erasedAt <= s) continue;
      const snap = snapshotAt(t, s);
      const eligible = eligibleActions(snap);
      if (eligible.length === 0) continue;
      const risk = options.serviceRisk(t, snap);
      const band = NBA_RISK_BANDS.findIndex((upTo) => risk <= upTo);
      const stratum = STRATA.indexOf(nbaStratum(snap));
      const burden = burdenBand(t, s, s + window);
      const trouble = NBA_TROUBLE_BANDS.indexOf(troubleBandOf(snap.incidentsLast90Days));
      const stayed = stayOutcome(t, s, s + window, options);
      const predicted = predictedStay(t, s, options);
      const taken = t.actions.filter((a) => a.at > s && a.at <= s + window);
      for (const { action } of eligible) {
        const treated = taken.some((a) => a.action === action);
        if (!treated && taken.length > 0) continue;
        const cell =
          (((NBA_ACTIONS.indexOf(action) * STRATA.length + stratum) * BURDEN.length + burden) *
            TROUBLE +
            trouble) *
            RISK +
          band;
        let c = cells.get(cell);
        if (!c) cells.set(cell, (c = [0, 0, 0, 0, 0, 0, 0]));
        if (treated) {
          c[0] += 1;
          c[1] += stayed;
          c[4] += risk;
          c[5] += predicted;
        } else {
          c[2] += 1;
          c[3] += stayed;
          c[6] += predicted;
        }
      }
    }
    if (cells.size === 0) continue;
    const flat: number[] = [];
    for (const [cell, c] of cells) flat.push(cell, ...c);
    contributions.push(flat);
  }

  const totals = sumCells(contributions, null);
  const point = NBA_ACTIONS.map((_, a) => shareEffect(totals, a));
  const resamples: number[][] = NBA_ACTIONS.map(() => []);
  const prng = Prng.fromSeed(String(options.seed));
  const rand = () => prng.next();
  for (let b = 0; b < options.bootstrap && contributions.length > 0; b++) {
    const sample = sumCells(contributions, rand);
    NBA_ACTIONS.forEach((_, a) => {
      const e = shareEffect(sample, a);
      if (e !== null && e.share !== null) resamples[a].push(e.share);
    });
  }

  const method = `share of the service risk taken away, from a comparison at ${times.length} monthly snapshots${options.incidentTrials ? ' and every bad incident between them' : ''}: eligible customers who got the action within ${options.treatmentWindowDays} days vs eligible ones who got no action, in exact cells of the service risk at the trial (${RISK} bands of the churn model's score) x purchase frequency (3 bands) x days since the last purchase (5) x bad incidents around the trial (5) x purchases in the 120 days before (4) x bad incidents in the 90 days before (4); the treated-weighted sum of the cells' differences in staying${options.probabilityAlive ? " (each less the purchase process's prediction at the trial)" : ''} over the treated's summed service risk; stay = ${options.probabilityAlive ? "the purchase process's probability of being alive at the observed end, given every purchase but those inside the window" : `a purchase after the window, ${options.stay === 'observed' ? 'until the observed end' : `within ${options.horizonDays} days`}`}; 95% interval from ${options.bootstrap} bootstrap resamples of customers; believed by its precision against a prior N(0, ${options.priorSd}^2)`;
  const effects = {} as Record<RetentionActionName, ActionEffect>;
  NBA_ACTIONS.forEach((action, a) => {
    const e = point[a];
    const treated = e?.treated ?? 0;
    const controls = e?.controls ?? 0;
    const thin =
      e === null || treated < options.minTreated
        ? `history too thin (${treated} treated, ${options.minTreated} needed)`
        : e.share === null
          ? `the treated had no service risk to reduce (mean ${e.risk.toFixed(4)})`
          : null;
    if (e === null || e.share === null || thin !== null) {
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
        note: `${thin}: the stated assumption ${options.assumed[action]} is used`,
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
      delta: e.share,
      prior: { mean: 0, sd: options.priorSd },
      standardError: se,
      ci95: ci,
      treated,
      controls,
      treatedServiceRisk: e.risk,
      treatedStayRate: e.treatedStayRate,
      controlStayRate: e.controlStayRate,
      strata: [],
      method,
      note:
        ci !== null && ci[0] <= 0 && ci[1] >= 0
          ? 'the interval includes 0: the history does not show that this action helps'
          : '',
    };
  });
  return {
    scale: 'share-of-service-risk',
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

/** Whether (or how likely) the customer stayed after a trial at s with its window ending then. */
function stayOutcome(
  t: RetentionTimeline,
  s: number,
  windowEnd: number,
  options: NbaEffectOptions,
): number {
  const end = options.observedUntil;
  if (options.probabilityAlive) {
    const rfm = timelineRfm(t, end, [s, windowEnd]);
    return rfm ? options.probabilityAlive(rfm) : 0;
  }
  const until = options.stay === 'observed' ? end : s + options.horizonDays * DAY;
  return t.purchases.some((p) => p.at > windowEnd && p.at <= until) ? 1 : 0;
}

/**
 * What the purchase process predicts of staying from the purchases before the trial alone (its
 * probability of being alive at the observed end): subtracted from the outcome, it takes out of
 * the comparison what the cells leave of purchase frequency and recency. 0 without the model.
 */
function predictedStay(t: RetentionTimeline, s: number, options: NbaEffectOptions): number {
  if (!options.probabilityAlive) return 0;
  const rfm = timelineRfm(t, s);
  return rfm ? options.probabilityAlive(rfm, (options.observedUntil - s) / WEEK) : 0;
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

/**
 * The effect of one action for a customer in a stratum and a trouble band, in fits made before
 * the share: the stratum's effect moved by how far the band's lies from the overall one (the
 * overall effect where the fit has neither, as every fit since).
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
  const totals = new Float64Array(CELLS * STATS);
  const n = contributions.length;
  for (let k = 0; k < n; k++) {
    const c = contributions[rand === null ? k : Math.floor(rand() * n)];
    for (let j = 0; j < c.length; j += STATS + 1) {
      const base = c[j] * STATS;
      for (let m = 0; m < STATS; m++) totals[base + m] += c[j + 1 + m];
    }
  }
  return totals;
}

/**
 * One action's share over the cells holding both treated and comparison trials: the sum of the
 * treated's differences in staying over the sum of their service risk (null when that risk is
 * too small to measure a share of).
 */
function shareEffect(
  totals: Float64Array,
  action: number,
): {
  share: number | null;
  treated: number;
  controls: number;
  risk: number;
  treatedStayRate: number;
  controlStayRate: number;
} | null {
  const per = STRATA.length * BURDEN.length * TROUBLE * RISK;
  let difference = 0;
  let treated = 0;
  let controls = 0;
  let risk = 0;
  let stayedTreated = 0;
  let stayedControl = 0;
  for (let cell = action * per; cell < (action + 1) * per; cell++) {
    const base = cell * STATS;
    const nt = totals[base];
    const nc = totals[base + 2];
    if (nt === 0 || nc === 0) continue;
    const [yt, yc, rt, et, ec] = [
      totals[base + 1],
      totals[base + 3],
      totals[base + 4],
      totals[base + 5],
      totals[base + 6],
    ];
    // Each group's staying less what the purchase process predicted for it, compared.
    difference += yt - et - (nt * (yc - ec)) / nc;
    stayedTreated += yt;
    stayedControl += (nt * yc) / nc;
    treated += nt;
    controls += nc;
    risk += rt;
  }
  if (treated === 0) return null;
  return {
    share: risk / treated < MEASURABLE_RISK ? null : difference / risk,
    treated,
    controls,
    risk: risk / treated,
    treatedStayRate: stayedTreated / treated,
    controlStayRate: stayedControl / treated,
  };
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
