import { DEFAULT_RETENTION_ACTION_COSTS, type RetentionAction } from '@aftercare/domain';
import type { Prng } from './prng';

const DAY = 86_400_000;

/** How retention actions work in the simulated world. */
export type ActionOptions = {
  /**
   * How strongly actions change outcomes in the ground truth: it multiplies every effect in
   * RETENTION_ACTION_EFFECTS. 0: actions are recorded but change nothing; 1: the default; 2: twice
   * as strong (fractions capped at 1).
   */
  effect: number;
  /**
   * How often agents act unprompted, so the history holds actions the model can learn from:
   * the chance that an agent follows up a bad incident, and (halved) other plays after purchases
   * and complaints. 0 (the default): nobody acts.
   */
  organicRate: number;
};

export const DEFAULT_ACTION_OPTIONS: ActionOptions = { effect: 1, organicRate: 0 };

/**
 * The ground truth of each action at strength 1. `soothe`: share of the grievance (the lasting
 * hazard of stopping after bad incidents) taken away; `lift`: rise of the latent experience
 * (moves feedback and the dropout odds at the next purchase). Negative lifts are backfires
 * (asking an unhappy customer for a review reminds them of why).
 */
export const RETENTION_ACTION_EFFECTS = {
  /** Helps only while the grievance is fresh: a bad incident in the last `freshDays`. */
  recoveryCall: { freshDays: 21, soothe: 0.8, lift: 0.5 },
  goodwillCredit: { soothe: 0.3, lift: 0.3 },
  /** Helps only while a complaint is open. */
  expeditedRepair: { soothe: 0.6, lift: 0.3 },
  /** Accepted by some; a plan lowers the chance that a defect comes back. */
  maintenancePlanOffer: { acceptance: 0.35, repeatDefectReduction: 0.7, lift: 0.1 },
  /** Welcome from a customer who feels fine, an irritant to one who does not. */
  accessoryOffer: { lift: 0.1, backfire: -0.15 },
  /** Promoters (latent experience above `promoterAbove`) like being asked. */
  referralAsk: { promoterAbove: 0.8, lift: 0.1, backfire: -0.05 },
  reviewRequest: { happyAbove: 0.3, unhappyBelow: -0.3, lift: 0.05, backfire: -0.2 },
} as const;

/** What an action needs from the customer it is taken on. */
export interface ActionTarget {
  readonly now: number;
  readonly alive: boolean;
  readonly lastBadIncidentAt: number | null;
  readonly openComplaints: number;
  readonly actionRng: Prng;
  repeatDefectFactor: number;
  experienceNow(): number;
  lift(delta: number): void;
  soothe(fraction: number): void;
  recordAction(action: RetentionAction, cost: number, reason: string, actor: string): boolean;
}

/**
 * Records the action and applies its effect. A customer who has stopped (unknown to the agent)
 * is recorded as acted on and changes nothing. Returns false when the domain refused the record.
 */
export function applyRetentionAction(
  target: ActionTarget,
  action: RetentionAction,
  reason: string,
  actor: string,
  options: ActionOptions,
): boolean {
  if (!target.recordAction(action, DEFAULT_RETENTION_ACTION_COSTS[action], reason, actor)) {
    return false;
  }
  const s = options.effect;
  const E = RETENTION_ACTION_EFFECTS;
  const feels = target.experienceNow();
  switch (action) {
    case 'recovery_call': {
      const fresh =
        target.lastBadIncidentAt !== null &&
        target.now - target.lastBadIncidentAt <= E.recoveryCall.freshDays * DAY;
      if (fresh) effect(target, s, E.recoveryCall.soothe, E.recoveryCall.lift);
      break;
    }
    case 'goodwill_credit':
      effect(target, s, E.goodwillCredit.soothe, E.goodwillCredit.lift);
      break;
    case 'expedited_repair':
      if (target.openComplaints > 0) {
        effect(target, s, E.expeditedRepair.soothe, E.expeditedRepair.lift);
      }
      break;
    case 'maintenance_plan_offer': {
      const m = E.maintenancePlanOffer;
      if (target.actionRng.chance(m.acceptance) && s > 0) {
        target.repeatDefectFactor *= Math.max(0, 1 - m.repeatDefectReduction * s);
        effect(target, s, 0, m.lift);
      }
      break;
    }
    case 'accessory_offer':
      effect(target, s, 0, feels >= 0 ? E.accessoryOffer.lift : E.accessoryOffer.backfire);
      break;
    case 'referral_ask':
      effect(
        target,
        s,
        0,
        feels > E.referralAsk.promoterAbove ? E.referralAsk.lift : E.referralAsk.backfire,
      );
      break;
    case 'review_request': {
      const r = E.reviewRequest;
      effect(target, s, 0, feels > r.happyAbove ? r.lift : feels < r.unhappyBelow ? r.backfire : 0);
      break;
    }
  }
  return true;
}

function effect(target: ActionTarget, strength: number, soothe: number, lift: number): void {
  if (strength === 0) return;
  target.soothe(Math.min(1, soothe * strength));
  target.lift(lift * strength);
}

export type OrganicTrigger =
  'incident' | 'complaint' | 'product_complaint' | 'purchase' | 'promoter';
export type PlannedAction = { action: RetentionAction; afterDays: number; reason: string };

/**
 * What agents do unprompted after a trigger: follow up some bad incidents (sometimes within
 * days, sometimes weeks later, when the grievance has gone stale), credit or speed up some
 * complaints, make offers after some purchases, ask some promoters for referrals. Drawn from the
 * action generator only, so a world with organic actions lives the same lives (at strength 0).
 */
export function organicActions(
  trigger: OrganicTrigger,
  options: ActionOptions,
  rng: Prng,
  purchase?: { price: number; hasSerial: boolean },
): PlannedAction[] {
  const r = options.organicRate;
  if (r <= 0) return [];
  const planned: PlannedAction[] = [];
  const maybe = (p: number, action: RetentionAction, from: number, to: number, reason: string) => {
    if (rng.chance(Math.min(1, p)))
      planned.push({ action, afterDays: rng.uniform(from, to), reason });
  };
  switch (trigger) {
    case 'incident':
      // Half the follow-ups are timely, half come when the grievance has gone stale.
      if (rng.chance(0.5)) maybe(r, 'recovery_call', 0.5, 7, 'follow-up after a bad incident');
      else maybe(r, 'recovery_call', 20, 60, 'late follow-up after a bad incident');
      maybe(r / 3, 'goodwill_credit', 1, 30, 'goodwill after a bad incident');
      break;
    case 'complaint':
      maybe(r / 2, 'goodwill_credit', 1, 20, 'goodwill for a complaint');
      break;
    case 'product_complaint':
      maybe(r / 2, 'expedited_repair', 0.5, 5, 'complaint about the product');
      maybe(r / 4, 'goodwill_credit', 1, 20, 'goodwill for a complaint');
      break;
    case 'purchase':
      if (purchase && purchase.price > 300 && purchase.hasSerial) {
        maybe(r / 2, 'maintenance_plan_offer', 1, 60, 'offer after a purchase');
      }
      maybe(r / 2, 'accessory_offer', 7, 120, 'offer after a purchase');
      maybe(r / 2, 'review_request', 3, 30, 'review request after a purchase');
      break;
    case 'promoter':
      maybe(r, 'referral_ask', 1, 30, 'promoter feedback');
      break;
  }
  return planned;
}
