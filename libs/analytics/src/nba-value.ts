/**
 * The next best action: for one customer at one moment, every eligible action with its expected
 * value, Δ P(stay over the horizon) x CLV - cost, where Δ comes from the store's history
 * (nba-effects.ts) and CLV from a BG/NBD fit on the same history times the customer's mean order
 * value (shrunk towards the population's). Ranked best first.
 */
import type { BgNbdParams, RfmObservation } from './bg-nbd';
import {
  bgNbdConditionalExpectedTransactions,
  bgNbdProbabilityAlive,
  fitBgNbd,
  unpredictable,
} from './bg-nbd';
import type { ActionEffect, NbaEffects } from './nba-effects';
import { nbaTroubleBand, stratumDelta } from './nba-effects';
import { eligibleActions, nbaStratum } from './nba-eligibility';
import type { RetentionActionName, RetentionTimeline, TimelineSnapshot } from './nba-timeline';
import { snapshotAt } from './nba-timeline';

const DAY = 86_400_000;
const WEEK = 7 * DAY;

export interface NextAction {
  action: RetentionActionName;
  /** Why it is a candidate (the eligibility rule). */
  reason: string;
  expectedValue: number;
  /** The expected value at the ends of the effect's 95% interval, when the history gives one. */
  expectedValueInterval: [number, number] | null;
  deltaStay: number;
  clv: number;
  cost: number;
  evidence: {
    source: ActionEffect['source'];
    stratum: string;
    /** Bad incidents in the 90 days before (i0, i1, i2, i3+): the effect is measured by band. */
    troubleBand: string;
    treated: number;
    controls: number;
    ci95: [number, number] | null;
    method: string;
    note: string;
  };
}

/** The customer's repeat purchases in BG/NBD's terms (weeks), purchases on one day merged. */
export function timelineRfm(t: RetentionTimeline, at: number): RfmObservation | null {
  const days = [
    ...new Set(t.purchases.filter((p) => p.at <= at).map((p) => Math.floor(p.at / DAY))),
  ];
  if (days.length === 0) return null;
  days.sort((a, b) => a - b);
  const first = days[0];
  return {
    x: days.length - 1,
    tx: ((days[days.length - 1] - first) * DAY) / WEEK,
    T: (at - first * DAY) / WEEK,
  };
}

export interface NbaValueModel {
  /** The purchase process; null when its fit was refused (then a rate-based value is used). */
  bgNbd: BgNbdParams | null;
  /** Why the BG/NBD could not be used, when it could not. */
  bgNbdRefusal?: string;
  /** Mean order value per currency over the population, the prior of each customer's own. */
  meanOrderValue: Record<string, number>;
  horizonWeeks: number;
}

/** Fits the purchase process on every timeline as of `at`; null without purchases. */
export function fitNbaValueModel(
  timelines: Iterable<RetentionTimeline>,
  at: number,
  horizonWeeks = 52,
): NbaValueModel | null {
  const rows: RfmObservation[] = [];
  const money = new Map<string, { revenue: number; orders: number }>();
  for (const t of timelines) {
    const rfm = timelineRfm(t, at);
    if (!rfm) continue;
    rows.push(rfm);
    const m = money.get(t.currency ?? '') ?? { revenue: 0, orders: 0 };
    for (const p of t.purchases) {
      if (p.at > at) continue;
      m.revenue += p.price;
      m.orders += 1;
    }
    money.set(t.currency ?? '', m);
  }
  if (rows.length === 0) return null;
  const meanOrderValue: Record<string, number> = {};
  for (const [currency, m] of money) meanOrderValue[currency] = m.revenue / Math.max(1, m.orders);
  const fit = rows.length >= 20 ? fitBgNbd(rows) : null;
  // The fit is checked over the data's own span; the value model predicts over its horizon.
  const refusal =
    fit === null
      ? `only ${rows.length} buyers`
      : (fit.refusal ?? unpredictableOver(fit.params, rows, horizonWeeks));
  if (fit && refusal === undefined) {
    return { bgNbd: fit.params, meanOrderValue, horizonWeeks };
  }
  return {
    bgNbd: null,
    bgNbdRefusal: refusal,
    meanOrderValue,
    horizonWeeks,
  };
}

/** Why the fit cannot predict every buyer over `horizonWeeks`, if it cannot. */
function unpredictableOver(
  params: BgNbdParams,
  rows: readonly RfmObservation[],
  horizonWeeks: number,
): string | undefined {
  try {
    return unpredictable(rows, (c) => [
      bgNbdProbabilityAlive(params, c),
      bgNbdConditionalExpectedTransactions(params, c, horizonWeeks),
    ]);
  } catch (error) {
    if (error instanceof RangeError) return `its predictions fail: ${error.message}`;
    throw error;
  }
}

/**
 * Expected revenue over the horizon and the probability of being alive, as of the snapshot.
 * Without a BG/NBD: the customer's own purchase rate, halved once they have been silent for a
 * year (a stated rule of thumb, named in the model's refusal).
 */
export function customerValue(
  model: NbaValueModel,
  t: RetentionTimeline,
  snap: TimelineSnapshot,
): { clv: number; pAlive: number } {
  const rfm = timelineRfm(t, snap.at);
  if (!rfm) return { clv: 0, pAlive: 0 };
  const prior = model.meanOrderValue[t.currency ?? ''] ?? snap.revenue / snap.purchases;
  const aov = (snap.revenue + 2 * prior) / (snap.purchases + 2);
  if (model.bgNbd === null) {
    const silentWeeks = rfm.T - rfm.tx;
    const pAlive = silentWeeks < 52 ? 1 : 0.5;
    const perWeek = (rfm.x + 1) / Math.max(rfm.T, 26);
    return { clv: perWeek * model.horizonWeeks * aov * pAlive, pAlive };
  }
  const expected = bgNbdConditionalExpectedTransactions(model.bgNbd, rfm, model.horizonWeeks);
  return { clv: expected * aov, pAlive: bgNbdProbabilityAlive(model.bgNbd, rfm) };
}

/**
 * How much of a measured effect to believe, as the weight w of the history against the stated
 * assumption (its prior): w = (1/se^2) / (1/se^2 + 1/prior_sd^2), the normal posterior's. An
 * effect measured on few customers counts for little and the assumption for much; a precise one
 * the other way round. A stated assumption (no history) is taken as stated. Fits made before the
 * prior was recorded shrink towards 0 by the signal-to-noise share d^2 / (d^2 + se^2).
 */
export function historyWeight(effect: ActionEffect): number {
  if (effect.standardError === null) return 1;
  const v = effect.standardError * effect.standardError;
  if (effect.prior === undefined) {
    const d2 = effect.delta * effect.delta;
    return d2 + v === 0 ? 0 : d2 / (d2 + v);
  }
  const p = effect.prior.sd * effect.prior.sd;
  return v + p === 0 ? 1 : p / (v + p);
}

/**
 * The Δ P(stay) used for a customer in `stratum` and `troubleBand`: the history weighed against
 * the prior.
 */
export function believedDelta(effect: ActionEffect, stratum: string, troubleBand?: string): number {
  const w = historyWeight(effect);
  return w * stratumDelta(effect, stratum, troubleBand) + (1 - w) * (effect.prior?.mean ?? 0);
}

/** Every eligible action for the customer at `at`, best expected value first. */
export function nextActionsFor(
  t: RetentionTimeline,
  at: number,
  effects: NbaEffects,
  model: NbaValueModel,
  costs: Readonly<Record<RetentionActionName, number>>,
): NextAction[] {
  if (t.erasedAt !== null && t.erasedAt <= at) return [];
  const snap = snapshotAt(t, at);
  const eligible = eligibleActions(snap);
  if (eligible.length === 0) return [];
  const { clv } = customerValue(model, t, snap);
  const stratum = nbaStratum(snap);
  const trouble = nbaTroubleBand(snap);
  return eligible
    .map(({ action, reason }) => {
      const effect = effects.effects[action];
      const delta = believedDelta(effect, stratum, trouble);
      const cost = costs[action];
      const shift = stratumDelta(effect, stratum, trouble) - effect.delta;
      return {
        action,
        reason,
        expectedValue: delta * clv - cost,
        expectedValueInterval:
          effect.ci95 === null
            ? null
            : ([(effect.ci95[0] + shift) * clv - cost, (effect.ci95[1] + shift) * clv - cost] as [
                number,
                number,
              ]),
        deltaStay: delta,
        clv,
        cost,
        evidence: {
          source: effect.source,
          stratum,
          troubleBand: trouble,
          treated: effect.treated,
          controls: effect.controls,
          ci95: effect.ci95,
          method: effect.method,
          note: effect.note,
        },
      };
    })
    .sort((a, b) => b.expectedValue - a.expectedValue || a.action.localeCompare(b.action));
}
