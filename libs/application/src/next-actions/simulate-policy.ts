import {
  DEFAULT_NBA_EFFECT_OPTIONS,
  eligibleActions,
  emptyTimeline,
  estimateActionEffects,
  fitNbaValueModel,
  Prng,
  nextActionsFor,
  type NbaEffects,
  type NbaValueModel,
  type RetentionActionName,
  type RetentionTimeline,
  scoreChurn,
  probabilityAlive,
  serviceRisk,
  snapshotAt,
  timelineExperience,
  customerValue,
} from '@aftercare/analytics';
import { DEFAULT_RETENTION_ACTION_COSTS } from '@aftercare/domain';
import { evolveRetentionTimeline } from '@aftercare/projections';
import { SteppedWorld } from '@aftercare/simulation';

export const TARGETING_POLICIES = ['nba', 'churn-risk', 'value-at-risk', 'random', 'none'] as const;
export type TargetingPolicy = (typeof TARGETING_POLICIES)[number];

export interface PolicyWorldOptions {
  customers: number;
  seed: string;
  /** Customers acted on per month. */
  budget: number;
  /** Strength of every action's effect in the ground truth (0: actions do nothing). */
  actionEffect: number;
  /** How often agents act unprompted: the history the model learns from. */
  organicActions: number;
  experienceEffect: number;
  from: string;
  to: string;
  /** The policy acts in the last this many months; the months before are history. */
  policyMonths: number;
}

export const DEFAULT_POLICY_WORLD = {
  from: '2021-01-01T00:00:00.000Z',
  to: '2025-01-01T00:00:00.000Z',
  policyMonths: 12,
  actionEffect: 1,
  organicActions: 0.3,
  experienceEffect: 1,
} as const;

/** One customer's result in one run (ground truth). */
export interface CustomerResult {
  /** Alive when the policy started (only they can be retained). */
  aliveAtStart: boolean;
  retained: boolean;
  /** Revenue in the policy period plus a year of latent purchases at the end if still alive. */
  value: number;
  actions: number;
  cost: number;
}

export interface PolicyRun {
  policy: TargetingPolicy;
  results: CustomerResult[];
  /** The effects the model estimated from the history (nba only). */
  effects: NbaEffects | null;
  actionsByKind: Partial<Record<RetentionActionName, number>>;
}

export type PolicyProgress = (step: number, total: number, phase: string) => void;

const DAY = 86_400_000;
/**
 * Churn-risk targeting acts only on customers whose probability alive is at least this: the
 * ones the purchase process says are still buying (at the highest risk are mostly customers who
 * stopped long ago, on whom no action can do anything).
 */
export const ACTIVE_P_ALIVE = 0.5;

/**
 * Lives the world month by month; in each of the last `policyMonths` months the policy picks
 * `budget` customers from what their histories show so far and takes one action on each:
 * - nba: the best expected value (Δ P(stay) x CLV - cost, effects estimated from the history
 *   before the policy period), only where it is positive;
 * - churn-risk: the highest churn risk (BG/NBD probability alive joined with experience) among
 *   customers still plausibly buying (probability alive at least ACTIVE_P_ALIVE: a team does not
 *   call those who left long ago, and acting on them changes nothing), with the standard play: a
 *   recovery call where one is eligible, else a goodwill credit;
 * - value-at-risk: the same play for the highest churn risk x CLV (the revenue at risk, how
 *   customer-success tools rank accounts), any customer;
 * - random: random customers with an eligible action, a random eligible action;
 * - none: nobody.
 * Everything is seeded: the same options give the same run.
 */
export function runPolicyWorld(
  options: PolicyWorldOptions,
  policy: TargetingPolicy,
  onProgress?: PolicyProgress,
): PolicyRun {
  const world = new SteppedWorld({
    customers: options.customers,
    seed: options.seed,
    from: options.from,
    to: options.to,
    experienceEffect: options.experienceEffect,
    actionEffect: options.actionEffect,
    organicActions: options.organicActions,
  });
  const months = monthStarts(options.from, options.to);
  const policyStart = months.length - 1 - options.policyMonths;
  if (policyStart < 12) throw new RangeError('The world needs at least 12 months of history');
  const timelines: RetentionTimeline[] = Array.from({ length: world.size }, (_, k) =>
    emptyTimeline(world.customerId(k)),
  );
  const fold = () => {
    for (let k = 0; k < world.size; k++) {
      for (const e of world.newEvents(k)) evolveRetentionTimeline(timelines[k], e);
    }
  };
  const prng = Prng.fromSeed(`${options.seed}/${policy}`);
  const rand = () => prng.next();
  const results: CustomerResult[] = [];
  const actionsByKind: PolicyRun['actionsByKind'] = {};
  let model: NbaValueModel | null = null;
  let effects: NbaEffects | null = null;
  const startRevenue: number[] = [];
  const aliveAtStart: boolean[] = [];
  const acted = new Int32Array(world.size);
  const spent = new Float64Array(world.size);

  for (let m = 1; m < months.length; m++) {
    world.advance(months[m]);
    fold();
    onProgress?.(m, months.length, m < policyStart ? 'history' : policy);
    if (m < policyStart) continue;
    const now = months[m];
    if (m === policyStart) {
      for (let k = 0; k < world.size; k++) {
        const o = world.outcome(k);
        startRevenue.push(o.revenue);
        aliveAtStart.push(o.alive);
      }
      model = fitNbaValueModel(timelines, now);
      const valueModel = model;
      if (policy === 'nba' && valueModel) {
        effects = estimateActionEffects(timelines, {
          ...DEFAULT_NBA_EFFECT_OPTIONS,
          snapshots: months.slice(3, m),
          observedUntil: now,
          serviceRisk: (t, snap) => serviceRisk(valueModel, t, snap),
          probabilityAlive: (rfm, weeksAhead) => probabilityAlive(valueModel, rfm, weeksAhead),
        });
      }
    }
    if (m === months.length - 1 || policy === 'none' || options.budget === 0) continue;
    const picks = choose(policy, timelines, now, options.budget, model, effects, rand);
    for (const { k, action, reason } of picks) {
      if (world.act(k, action, reason, `policy:${policy}`)) {
        acted[k]++;
        spent[k] += DEFAULT_RETENTION_ACTION_COSTS[action];
        actionsByKind[action] = (actionsByKind[action] ?? 0) + 1;
      }
    }
    fold();
  }
  for (let k = 0; k < world.size; k++) {
    const o = world.outcome(k);
    const aov = o.purchases > 0 ? o.revenue / o.purchases : 0;
    const windowRevenue = o.revenue - (startRevenue[k] ?? 0);
    results.push({
      aliveAtStart: aliveAtStart[k] ?? false,
      retained: (aliveAtStart[k] ?? false) && o.alive,
      value: windowRevenue + (o.alive ? o.purchaseRatePerYear * aov : 0),
      actions: acted[k],
      cost: spent[k],
    });
  }
  return { policy, results, effects, actionsByKind };
}

type Pick = { k: number; action: RetentionActionName; reason: string };

function choose(
  policy: Exclude<TargetingPolicy, 'none'>,
  timelines: readonly RetentionTimeline[],
  now: number,
  budget: number,
  model: NbaValueModel | null,
  effects: NbaEffects | null,
  rand: () => number,
): Pick[] {
  const scored: (Pick & { score: number })[] = [];
  timelines.forEach((t, k) => {
    if (t.purchases.length === 0 || (t.erasedAt !== null && t.erasedAt <= now)) return;
    if (policy === 'nba') {
      if (!model || !effects) return;
      const best = nextActionsFor(t, now, effects, model, DEFAULT_RETENTION_ACTION_COSTS)[0];
      if (best && best.expectedValue > 0) {
        scored.push({
          k,
          action: best.action,
          reason: 'next best action',
          score: best.expectedValue,
        });
      }
      return;
    }
    const snap = snapshotAt(t, now);
    const eligible = eligibleActions(snap);
    if (policy === 'random') {
      if (eligible.length === 0) return;
      const pick = eligible[Math.floor(rand() * eligible.length)];
      scored.push({ k, action: pick.action, reason: 'random targeting', score: rand() });
      return;
    }
    const { pAlive, clv } = model ? customerValue(model, t, snap) : { pAlive: 0.5, clv: 0 };
    if (policy === 'churn-risk' && pAlive < ACTIVE_P_ALIVE) return;
    const risk = scoreChurn({ pAlive, experience: timelineExperience(t, now) }).probability;
    const action = eligible.some((e) => e.action === 'recovery_call')
      ? 'recovery_call'
      : 'goodwill_credit';
    const score = policy === 'churn-risk' ? risk : risk * clv;
    scored.push({ k, action, reason: policy.replace(/-/g, ' '), score });
  });
  scored.sort((a, b) => b.score - a.score || a.k - b.k);
  return scored.slice(0, budget);
}

/** The first instant of every month from `from` to `to` (both included when on a month start). */
export function monthStarts(from: string, to: string): number[] {
  const start = new Date(from);
  const end = Date.parse(to);
  const out: number[] = [];
  for (let i = 0; ; i++) {
    const t = Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + i, 1);
    if (t > end) break;
    if (t >= start.getTime() - DAY) out.push(t);
  }
  return out;
}
