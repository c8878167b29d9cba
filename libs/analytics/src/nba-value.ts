/**
 * The next best action: for one customer at one moment, every eligible action with its expected
 * value, Δ P(stay over the horizon) x CLV - cost. Δ = the share of the customer's service risk
 * the action takes away (measured on the store's history, nba-effects.ts) x that risk: the part
 * of their churn risk (the product's churn score over the purchase process's own) that their
 * service experience adds, the only part a retention action can reach. CLV comes from a BG/NBD
 * fit on the same history times the customer's mean order value (shrunk towards the
 * population's). Ranked best first.
 */
import type { BgNbdParams, RfmObservation } from './bg-nbd';
import { bgNbdConditionalExpectedTransactions, bgNbdProbabilityAlive, fitBgNbd } from './bg-nbd';
import { type ChurnFactorStructure, scoreChurn } from './churn';
import { type FactorRecord, learnChurnWeights } from './churn-weights';
import {
  fitMbgNbd,
  type MbgNbdParams,
  mbgNbdProbabilityAlive,
  purchaseProcessRisk,
} from './churn-purchase-process';
import type { ActionEffect, NbaEffects } from './nba-effects';
import { nbaTroubleBand, stratumDelta } from './nba-effects';
import { eligibleActions, nbaStratum } from './nba-eligibility';
import type { RetentionActionName, RetentionTimeline, TimelineSnapshot } from './nba-timeline';
import { snapshotAt, timelineExperience, timelineRfm } from './nba-timeline';

const WEEK = 7 * 86_400_000;
/** A share counts as shown to help at this many standard errors above 0 (one-sided 97.5%). */
const SHOWN_Z = 1.96;

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
    /** Bad incidents in the 90 days before (i0, i1, i2, i3+), a comparison cell of the fit. */
    troubleBand: string;
    treated: number;
    controls: number;
    /** 95% interval of this customer's Δ P(stay). */
    ci95: [number, number] | null;
    method: string;
    note: string;
    /**
     * The customer's service risk (churn risk their service experience adds) and the share of
     * it the action is believed to take away; absent for fits made before the share.
     */
    serviceRisk?: number;
    share?: {
      /**
       * The share used: the history's, weighed against a prior centred on 0 by precision; at
       * most 0 when the estimate is less than 1.96 standard errors above 0 (not shown to help).
       */
      believed: number;
      estimate: number;
      standardError: number | null;
      ci95: [number, number] | null;
      /** The weight of the history's estimate against the prior (1: an assumption, taken as stated). */
      historyWeight: number;
    };
  };
}

export interface NbaValueModel {
  /** The purchase process; null when its fit was refused (then a rate-based value is used). */
  bgNbd: BgNbdParams | null;
  /** Why the BG/NBD could not be used, when it could not. */
  bgNbdRefusal?: string;
  /**
   * The churn score's purchase process (P(alive at the horizon), which one-time buyers can lose
   * too); absent in fits before it or when refused (then the BG/NBD's P(alive) stands in).
   */
  mbgNbd?: MbgNbdParams;
  /**
   * The churn score's experience weights and the factors it reads, learned on the same history
   * by the churn model's own backtest (churn-weights.ts); absent in fits before them, when
   * there was too little to learn from or when no factor came out above its noise (then the
   * a-priori weights and factors).
   */
  churnWeights?: { weights: FactorRecord; structure: ChurnFactorStructure };
  /** Mean order value per currency over the population, the prior of each customer's own. */
  meanOrderValue: Record<string, number>;
  horizonWeeks: number;
}

/** Fits the purchase process on every timeline as of `at`; null without purchases. */
export function fitNbaValueModel(
  timelines: readonly RetentionTimeline[],
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
  // Checked over the data's own span and over the horizon the value model predicts.
  const fit = rows.length >= 20 ? fitBgNbd(rows, { predictionHorizon: horizonWeeks }) : null;
  const mbg = rows.length >= 20 ? fitMbgNbd(rows) : null;
  const learned = learnServiceWeights(timelines, at, horizonWeeks);
  const churn = {
    ...(mbg && mbg.refusal === undefined ? { mbgNbd: mbg.params } : {}),
    ...(learned ? { churnWeights: learned } : {}),
  };
  if (fit && fit.refusal === undefined) {
    return { bgNbd: fit.params, ...churn, meanOrderValue, horizonWeeks };
  }
  return {
    bgNbd: null,
    bgNbdRefusal: fit?.refusal ?? `only ${rows.length} buyers`,
    ...churn,
    meanOrderValue,
    horizonWeeks,
  };
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
 * The churn model's weights learned one horizon back (churn-weights.ts): buyers by
 * `at` - horizon, their experience then, labelled by whether they bought in the horizon after.
 */
function learnServiceWeights(
  timelines: readonly RetentionTimeline[],
  at: number,
  horizonWeeks: number,
): NbaValueModel['churnWeights'] {
  const cutoff = at - horizonWeeks * WEEK;
  const examples = timelines.flatMap((t) => {
    const rfm = timelineRfm(t, cutoff);
    if (!rfm || (t.erasedAt !== null && t.erasedAt <= at)) return [];
    return [
      {
        rfm,
        experience: timelineExperience(t, cutoff),
        noPurchaseInHorizon: !t.purchases.some((p) => p.at > cutoff && p.at <= at),
      },
    ];
  });
  const learned = learnChurnWeights(examples, { horizonWeeks });
  // A backtest that finds no factor above its noise says it could not tell, not that trouble
  // does not matter: the a-priori weights stand then, as with too little to learn from.
  const found = Object.values(learned?.weights ?? {}).some((w) => (w ?? 0) > 0);
  return learned?.structure && found
    ? { weights: learned.weights, structure: learned.structure }
    : undefined;
}

/**
 * The churn risk a customer's service experience adds, at the snapshot: the product's churn
 * score (the purchase process's P(alive at the horizon) joined with the experience factors,
 * churn.ts) less the purchase process's risk alone, which no retention action reaches. 0 for a
 * customer with no trouble on record, and for one the purchase process says is gone.
 */
export function serviceRisk(
  model: NbaValueModel,
  t: RetentionTimeline,
  snap: TimelineSnapshot,
): number {
  const rfm = timelineRfm(t, snap.at);
  if (!rfm) return 0;
  const pAlive = model.mbgNbd
    ? purchaseProcessRisk(model.mbgNbd, rfm, model.horizonWeeks).pAliveAtHorizon
    : customerValue(model, t, snap).pAlive;
  const score = { weights: model.churnWeights?.weights, structure: model.churnWeights?.structure };
  const churn = scoreChurn({ pAlive, experience: timelineExperience(t, snap.at), ...score });
  return Math.max(
    0,
    churn.probability - scoreChurn({ pAlive, experience: {}, ...score }).probability,
  );
}

/**
 * The probability that a customer with these purchases is alive at the end of them (or
 * `weeksAhead` after it): the churn score's purchase process where fitted, else the BG/NBD's
 * P(alive) at the end (1 for one-time buyers); the outcome the effects are measured on and its
 * prediction at the trial (nba-effects.ts). 1 without either fit.
 */
export function probabilityAlive(
  model: NbaValueModel,
  rfm: RfmObservation,
  weeksAhead = 0,
): number {
  if (model.mbgNbd) {
    return weeksAhead > 0
      ? purchaseProcessRisk(model.mbgNbd, rfm, weeksAhead).pAliveAtHorizon
      : mbgNbdProbabilityAlive(model.mbgNbd, rfm);
  }
  return model.bgNbd ? bgNbdProbabilityAlive(model.bgNbd, rfm) : 1;
}

/**
 * How much of a measured effect to believe, as the weight w of the history against its prior:
 * w = (1/se^2) / (1/se^2 + 1/prior_sd^2), the normal posterior's. Shares are weighed against a
 * prior centred on 0: an effect measured on few customers counts for little and moves no budget;
 * a precise one decides. A stated assumption (no history) is taken as stated. Fits made before
 * the prior was recorded shrink towards 0 by the signal-to-noise share d^2 / (d^2 + se^2).
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
  const share = effects.scale === 'share-of-service-risk';
  // A share acts on the customer's service risk; an older fit's Δ applies as it is.
  const risk = share ? serviceRisk(model, t, snap) : 1;
  return eligible
    .map(({ action, reason }): NextAction => {
      const effect = effects.effects[action];
      // A share less than 1.96 standard errors above 0 is not shown to help (the churn weights'
      // rule): it is believed to help no one. Without this, offers measured at noise filled the
      // budget the calls did not take.
      const shown =
        !share || effect.standardError === null || effect.delta >= SHOWN_Z * effect.standardError;
      const believed = shown
        ? believedDelta(effect, stratum, trouble)
        : Math.min(0, believedDelta(effect, stratum, trouble));
      const delta = believed * risk;
      const cost = costs[action];
      const shift = stratumDelta(effect, stratum, trouble) - effect.delta;
      const ci95 =
        effect.ci95 === null
          ? null
          : ([(effect.ci95[0] + shift) * risk, (effect.ci95[1] + shift) * risk] as [
              number,
              number,
            ]);
      return {
        action,
        reason,
        expectedValue: delta * clv - cost,
        expectedValueInterval: ci95 === null ? null : [ci95[0] * clv - cost, ci95[1] * clv - cost],
        deltaStay: delta,
        clv,
        cost,
        evidence: {
          source: effect.source,
          stratum,
          troubleBand: trouble,
          treated: effect.treated,
          controls: effect.controls,
          ci95,
          method: effect.method,
          note: effect.note,
          ...(share
            ? {
                serviceRisk: risk,
                share: {
                  believed,
                  estimate: effect.delta,
                  standardError: effect.standardError,
                  ci95: effect.ci95,
                  historyWeight: historyWeight(effect),
                },
              }
            : {}),
        },
      };
    })
    .sort((a, b) => b.expectedValue - a.expectedValue || a.action.localeCompare(b.action));
}
