import { DEFAULT_NBA_EFFECT_OPTIONS, estimateActionEffects, stratumDelta } from './nba-effects';
import { emptyTimeline, type RetentionTimeline } from './nba-timeline';
import { nextActionsFor, type NbaValueModel } from './nba-value';

const DAY = 86_400_000;
const T0 = Date.parse('2022-01-01T00:00:00Z');
const months = Array.from({ length: 12 }, (_, i) => Date.UTC(2022, i + 1, 1));

/**
 * Customer i: bought on day 0 and 10, a bad incident 5 days before the snapshot of 2022-03-01.
 * Half of them (odd i) get a recovery call two days after that snapshot; `stayRate(treated)` of
 * each group buys again within the following year. Each customer is two trials: at the incident
 * and at the monthly snapshot after it (the call falls within 14 days of both).
 */
function population(n: number, stayTreated: number, stayControl: number): RetentionTimeline[] {
  const snapshot = Date.UTC(2022, 2, 1);
  return Array.from({ length: n }, (_, i) => {
    const t = emptyTimeline(`c${i}`);
    t.currency = 'EUR';
    t.purchases.push({ at: T0, price: 100, serialised: false });
    t.purchases.push({ at: T0 + 10 * DAY, price: 100, serialised: false });
    t.incidents.push({ at: snapshot - 5 * DAY, kind: 'late_delivery' });
    const treated = i % 2 === 1;
    if (treated) t.actions.push({ at: snapshot + 2 * DAY, action: 'recovery_call' });
    const k = Math.floor(i / 2);
    const stays = k < (treated ? stayTreated : stayControl) * (n / 2);
    if (stays) t.purchases.push({ at: snapshot + 100 * DAY, price: 100, serialised: false });
    return t;
  });
}

const options = {
  ...DEFAULT_NBA_EFFECT_OPTIONS,
  snapshots: months,
  observedUntil: Date.UTC(2024, 0, 1),
};

describe('estimateActionEffects', () => {
  it('measures the difference in staying between eligible customers who got the action and those who did not', () => {
    const effects = estimateActionEffects(population(400, 0.7, 0.5), options);
    const call = effects.effects.recovery_call;
    expect(call.source).toBe('history');
    expect(call.treated).toBe(400);
    expect(call.controls).toBe(400);
    expect(call.delta).toBeCloseTo(0.2, 10);
    expect(call.ci95?.[0]).toBeGreaterThan(0.05);
    expect(call.ci95?.[1]).toBeLessThan(0.35);
  });

  it('finds no effect where the groups stay alike, and says the interval includes 0', () => {
    const call = estimateActionEffects(population(400, 0.6, 0.6), options).effects.recovery_call;
    expect(call.delta).toBeCloseTo(0, 10);
    expect(call.ci95?.[0]).toBeLessThan(0);
    expect(call.note).toMatch(/includes 0/);
  });

  it('falls back to the stated assumption, and says so, when the history is too thin', () => {
    const call = estimateActionEffects(population(20, 0.7, 0.5), options).effects.recovery_call;
    expect(call.source).toBe('assumption');
    expect(call.delta).toBe(DEFAULT_NBA_EFFECT_OPTIONS.assumed.recovery_call);
    expect(call.ci95).toBeNull();
    expect(call.note).toMatch(/too thin \(20 treated, 30 needed\)/);
  });

  it('sees a call made days after an incident between two monthly snapshots', () => {
    const snapshot = Date.UTC(2022, 2, 1);
    const between = population(400, 0.7, 0.5).map((t) => {
      t.incidents[0].at = snapshot + 3 * DAY;
      t.actions.forEach((a) => (a.at = snapshot + 5 * DAY));
      return t;
    });
    const call = estimateActionEffects(between, options).effects.recovery_call;
    expect(call.treated).toBe(200);
    expect(call.delta).toBeCloseTo(0.2, 10);
    const gridOnly = estimateActionEffects(between, { ...options, incidentTrials: false });
    expect(gridOnly.effects.recovery_call.treated).toBe(0);
  });

  it('compares customers with as many incidents: the troubled are called more and stay less', () => {
    // One incident: 1 in 4 called; three incidents: 3 in 4 called. The call changes nothing,
    // but the troubled stay less (30% against 70%): pooled, the call would look harmful.
    const snapshot = Date.UTC(2022, 2, 1);
    const people = Array.from({ length: 800 }, (_, i) => {
      const t = emptyTimeline(`b${i}`);
      t.currency = 'EUR';
      t.purchases.push({ at: T0, price: 100, serialised: false });
      t.purchases.push({ at: T0 + 10 * DAY, price: 100, serialised: false });
      const troubled = i % 2 === 1;
      const incidents = troubled ? 3 : 1;
      for (let k = 0; k < incidents; k++) {
        t.incidents.push({ at: snapshot - (5 + k) * DAY, kind: 'complaint' });
      }
      const j = Math.floor(i / 2);
      if (j % 4 < (troubled ? 3 : 1))
        t.actions.push({ at: snapshot + 2 * DAY, action: 'recovery_call' });
      if (Math.floor(j / 4) % 10 < (troubled ? 3 : 7))
        t.purchases.push({ at: snapshot + 100 * DAY, price: 100, serialised: false });
      return t;
    });
    const call = estimateActionEffects(people, { ...options, bootstrap: 50 }).effects.recovery_call;
    expect(Math.abs(call.delta)).toBeLessThan(0.05);
  });

  it('measures the effect by trouble band, and applies to a customer the effect of theirs', () => {
    // Half the customers had one bad incident in the 90 days before, half three; half of each
    // are called. The call keeps 30 more in 100 of the troubled, and changes nothing for the rest.
    const snapshot = Date.UTC(2022, 2, 1);
    const people = Array.from({ length: 1600 }, (_, i) => {
      const t = emptyTimeline(`m${i}`);
      t.currency = 'EUR';
      t.purchases.push({ at: T0, price: 100, serialised: false });
      t.purchases.push({ at: T0 + 10 * DAY, price: 100, serialised: false });
      const troubled = i % 2 === 1;
      // Far enough apart that they fall in one burden band but the 90 days before differ.
      t.incidents.push({ at: snapshot - 5 * DAY, kind: 'complaint' });
      if (troubled) {
        t.incidents.push({ at: snapshot - 60 * DAY, kind: 'late_delivery' });
        t.incidents.push({ at: snapshot - 70 * DAY, kind: 'failed_setup' });
      }
      const j = Math.floor(i / 2);
      const called = j % 2 === 1;
      if (called) t.actions.push({ at: snapshot + 2 * DAY, action: 'recovery_call' });
      const k = Math.floor(j / 2);
      const stayRate = troubled && called ? 0.7 : 0.4;
      if (k < stayRate * 400) {
        t.purchases.push({ at: snapshot + 100 * DAY, price: 100, serialised: false });
      }
      return t;
    });
    const call = estimateActionEffects(people, { ...options, bootstrap: 50 }).effects.recovery_call;
    const band = (name: string) => call.troubleBands?.find((b) => b.band === name);
    expect(call.delta).toBeCloseTo(0.15, 2);
    // Shrunk towards the overall effect by 50 treated trials: 400 treated in each band.
    expect(band('i3+')?.delta).toBeGreaterThan(0.28);
    expect(band('i1')?.delta).toBeLessThan(0.02);
    expect(stratumDelta(call, 'none', 'i3+') - stratumDelta(call, 'none', 'i1')).toBeGreaterThan(
      0.25,
    );
  });

  it('does not count as staying the purchase that led to the action within its window', () => {
    // Everyone buys in the window, half are offered something right after; nobody buys later.
    const snapshot = Date.UTC(2022, 2, 1);
    const people = Array.from({ length: 400 }, (_, i) => {
      const t = emptyTimeline(`o${i}`);
      t.currency = 'EUR';
      t.purchases.push({ at: snapshot - 50 * DAY, price: 100, serialised: false });
      t.purchases.push({ at: snapshot + 1 * DAY, price: 20, serialised: false });
      if (i % 2 === 1) t.actions.push({ at: snapshot + 3 * DAY, action: 'accessory_offer' });
      return t;
    });
    const offer = estimateActionEffects(people, { ...options, bootstrap: 50 }).effects
      .accessory_offer;
    expect(offer.delta).toBeCloseTo(0, 10);
  });
});

describe('nextActionsFor', () => {
  it('ranks eligible actions by Δ stay x CLV - cost, with the evidence beside each figure', () => {
    const effects = estimateActionEffects(population(400, 0.7, 0.5), options);
    const model: NbaValueModel = {
      bgNbd: null,
      meanOrderValue: { EUR: 100 },
      horizonWeeks: 52,
    };
    const t = emptyTimeline('x');
    t.currency = 'EUR';
    const now = Date.UTC(2023, 5, 1);
    t.purchases.push({ at: now - 40 * DAY, price: 100, serialised: false });
    t.purchases.push({ at: now - 20 * DAY, price: 100, serialised: false });
    t.incidents.push({ at: now - 3 * DAY, kind: 'failed_setup' });
    const actions = nextActionsFor(t, now, effects, model, {
      ...{ recovery_call: 8, goodwill_credit: 30, expedited_repair: 45 },
      ...{ maintenance_plan_offer: 4, accessory_offer: 3, referral_ask: 2, review_request: 1 },
    });
    const call = actions.find((a) => a.action === 'recovery_call');
    expect(call).toBeDefined();
    expect(call?.evidence.source).toBe('history');
    expect(call?.expectedValue).toBeCloseTo((call?.deltaStay ?? 0) * (call?.clv ?? 0) - 8, 10);
    for (let i = 1; i < actions.length; i++) {
      expect(actions[i - 1].expectedValue).toBeGreaterThanOrEqual(actions[i].expectedValue);
    }
  });
});
