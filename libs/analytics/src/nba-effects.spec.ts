import {
  DEFAULT_NBA_EFFECT_OPTIONS,
  estimateActionEffects,
  type NbaEffects,
  type ServiceRisk,
} from './nba-effects';
import { emptyTimeline, type RetentionTimeline } from './nba-timeline';
import { nextActionsFor, type NbaValueModel } from './nba-value';

const DAY = 86_400_000;
const T0 = Date.parse('2022-01-01T00:00:00Z');
const months = Array.from({ length: 12 }, (_, i) => Date.UTC(2022, i + 1, 1));
const COSTS = {
  ...{ recovery_call: 8, goodwill_credit: 30, expedited_repair: 45 },
  ...{ maintenance_plan_offer: 4, accessory_offer: 3, referral_ask: 2, review_request: 1 },
};

/** A risk read from the customer id's prefix: 'hi' 0.4, 'lo' 0.1, anything else 0.2. */
const riskById: ServiceRisk = (t) =>
  t.customerId.startsWith('hi') ? 0.4 : t.customerId.startsWith('lo') ? 0.1 : 0.2;

/**
 * Customer i: bought on day 0 and 10, a bad incident 5 days before the snapshot of 2022-03-01.
 * Half of them (odd i) get a recovery call two days after that snapshot; `stayRate(treated)` of
 * each group buys again within the following year. Each customer is two trials: at the incident
 * and at the monthly snapshot after it (the call falls within 14 days of both).
 */
function population(
  n: number,
  stayTreated: number,
  stayControl: number,
  prefix = 'c',
): RetentionTimeline[] {
  const snapshot = Date.UTC(2022, 2, 1);
  return Array.from({ length: n }, (_, i) => {
    const t = emptyTimeline(`${prefix}${i}`);
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
  serviceRisk: riskById,
};

describe('estimateActionEffects', () => {
  it('measures the share of the service risk an action takes away: the difference in staying over the risk', () => {
    // 20 more in 100 called customers stay, whose service risk is 0.2: the call takes all of it.
    const effects = estimateActionEffects(population(400, 0.7, 0.5), options);
    expect(effects.scale).toBe('share-of-service-risk');
    const call = effects.effects.recovery_call;
    expect(call.source).toBe('history');
    expect(call.treated).toBe(400);
    expect(call.controls).toBe(400);
    expect(call.treatedServiceRisk).toBeCloseTo(0.2, 10);
    expect(call.delta).toBeCloseTo(1, 10);
    expect(call.prior).toEqual({ mean: 0, sd: DEFAULT_NBA_EFFECT_OPTIONS.priorSd });
    expect(call.ci95?.[0]).toBeGreaterThan(0.25);
    expect(call.ci95?.[1]).toBeLessThan(1.75);
  });

  it('finds the same share in customers at different risk when the effect grows with the risk', () => {
    // At risk 0.4 the call keeps 20 more in 100, at risk 0.1 five more: half the risk each time.
    const people = [...population(400, 0.7, 0.5, 'hi'), ...population(400, 0.55, 0.5, 'lo')];
    const call = estimateActionEffects(people, options).effects.recovery_call;
    expect(call.delta).toBeCloseTo(0.5, 1);
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

  it('measures no share of a risk the treated did not have, and says so', () => {
    const call = estimateActionEffects(population(400, 0.7, 0.5), {
      ...options,
      serviceRisk: () => 0,
    }).effects.recovery_call;
    expect(call.source).toBe('assumption');
    expect(call.note).toMatch(/no service risk to reduce/);
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
    expect(call.delta).toBeCloseTo(1, 10);
    const gridOnly = estimateActionEffects(between, { ...options, incidentTrials: false });
    expect(gridOnly.effects.recovery_call.treated).toBe(0);
  });

  it('compares customers the churn model rates alike: the troubled are called more and stay less', () => {
    // Risky customers (three complaints): 3 in 4 called, 30% stay; the others (one complaint,
    // in the same incident bands): 1 in 4 called, 70% stay. The call changes nothing, but
    // pooled it would look harmful. Only the service risk tells them apart.
    const snapshot = Date.UTC(2022, 2, 1);
    const people = Array.from({ length: 800 }, (_, i) => {
      const risky = i % 2 === 1;
      const t = emptyTimeline(`${risky ? 'hi' : 'lo'}${i}`);
      t.currency = 'EUR';
      t.purchases.push({ at: T0, price: 100, serialised: false });
      t.purchases.push({ at: T0 + 10 * DAY, price: 100, serialised: false });
      t.incidents.push({ at: snapshot - 5 * DAY, kind: 'complaint' });
      const j = Math.floor(i / 2);
      if (j % 4 < (risky ? 3 : 1))
        t.actions.push({ at: snapshot + 2 * DAY, action: 'recovery_call' });
      if (Math.floor(j / 4) % 10 < (risky ? 3 : 7))
        t.purchases.push({ at: snapshot + 100 * DAY, price: 100, serialised: false });
      return t;
    });
    const call = estimateActionEffects(people, { ...options, bootstrap: 50 }).effects.recovery_call;
    expect(Math.abs(call.delta)).toBeLessThan(0.1);
    const pooled = estimateActionEffects(people, {
      ...options,
      bootstrap: 50,
      serviceRisk: () => 0.2,
    }).effects.recovery_call;
    expect(pooled.delta).toBeLessThan(-0.5);
  });

  it("measures staying as the purchase process's probability alive when given one", () => {
    // Nobody buys again; the called are the ones the purchase process rates likelier alive.
    const people = population(400, 0, 0);
    const effects = estimateActionEffects(people, {
      ...options,
      probabilityAlive: (rfm) => (rfm.x === 1 ? 0.5 : 0.9),
    });
    expect(effects.effects.recovery_call.delta).toBeCloseTo(0, 10);
    expect(effects.effects.recovery_call.controlStayRate).toBeCloseTo(0.5, 10);
    expect(effects.effects.recovery_call.method).toMatch(/probability of being alive/);
  });

  it('compares staying less what the purchase process predicted at the trial', () => {
    // Same cells (2-3 purchases), but the called bought once more, long before; the
    // purchase process rates three purchases likelier alive, and nobody buys again: the call
    // did nothing, only the groups differ in what was predicted of them.
    const people = population(400, 0, 0).map((t, i) => {
      if (i % 2 === 1) t.purchases.unshift({ at: T0 - 200 * DAY, price: 100, serialised: false });
      return t;
    });
    const probabilityAlive = (rfm: { x: number }) => (rfm.x === 2 ? 0.8 : 0.5);
    const call = estimateActionEffects(people, { ...options, probabilityAlive }).effects
      .recovery_call;
    expect(call.treatedStayRate).toBeCloseTo(0.8, 10);
    expect(call.controlStayRate).toBeCloseTo(0.5, 10);
    expect(call.delta).toBeCloseTo(0, 10);
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
    for (const probabilityAlive of [undefined, (rfm: { x: number }) => (rfm.x > 0 ? 1 : 0.5)]) {
      const offer = estimateActionEffects(people, { ...options, bootstrap: 50, probabilityAlive })
        .effects.accessory_offer;
      expect(offer.delta).toBeCloseTo(0, 10);
    }
  });
});

describe('nextActionsFor', () => {
  const model: NbaValueModel = { bgNbd: null, meanOrderValue: { EUR: 100 }, horizonWeeks: 52 };
  const now = Date.UTC(2023, 5, 1);
  /** Bought twice lately; `complaints` open complaints filed in the last days. */
  function customer(complaints: number): RetentionTimeline {
    const t = emptyTimeline('x');
    t.currency = 'EUR';
    t.purchases.push({ at: now - 40 * DAY, price: 100, serialised: false });
    t.purchases.push({ at: now - 20 * DAY, price: 100, serialised: false });
    t.incidents.push({ at: now - 3 * DAY, kind: 'failed_setup' });
    for (let k = 0; k < complaints; k++) {
      const filedAt = now - (2 + k) * DAY;
      t.incidents.push({ at: filedAt, kind: 'complaint' });
      t.complaints.push({
        id: `k${k}`,
        filedAt,
        resolvedAt: null,
        product: false,
        remedySought: 'refund',
      });
    }
    return t;
  }

  it('values an action at its believed share x the service risk x CLV - cost, with the evidence', () => {
    const effects = estimateActionEffects(population(400, 0.7, 0.5), options);
    const actions = nextActionsFor(customer(2), now, effects, model, COSTS);
    const call = actions.find((a) => a.action === 'recovery_call');
    const share = call?.evidence.share;
    const risk = call?.evidence.serviceRisk ?? 0;
    expect(risk).toBeGreaterThan(0);
    expect(share?.estimate).toBeCloseTo(1, 10);
    // Believed by precision against a prior centred on 0: less than the estimate, more than 0.
    expect(share?.believed).toBeLessThan(1);
    expect(share?.believed).toBeGreaterThan(0.5);
    expect(call?.deltaStay).toBeCloseTo((share?.believed ?? 0) * risk, 10);
    expect(call?.expectedValue).toBeCloseTo((call?.deltaStay ?? 0) * (call?.clv ?? 0) - 8, 10);
    expect(call?.evidence.ci95?.[0]).toBeCloseTo((share?.ci95?.[0] ?? 0) * risk, 10);
    for (let i = 1; i < actions.length; i++) {
      expect(actions[i - 1].expectedValue).toBeGreaterThanOrEqual(actions[i].expectedValue);
    }
  });

  it('gains nothing from acting on a customer whose service shows no risk', () => {
    const effects = estimateActionEffects(population(400, 0.7, 0.5), options);
    const t = customer(0);
    t.incidents = [];
    for (const a of nextActionsFor(t, now, effects, model, COSTS)) {
      expect(a.evidence.serviceRisk).toBe(0);
      expect(a.deltaStay).toBe(0);
      expect(a.expectedValue).toBe(-COSTS[a.action]);
    }
  });

  it('believes a share by its precision against a prior centred on 0', () => {
    const effects = estimateActionEffects(population(400, 0.7, 0.5), options);
    const call = effects.effects.recovery_call;
    const sd = DEFAULT_NBA_EFFECT_OPTIONS.priorSd;
    const figure = (standardError: number) =>
      nextActionsFor(
        customer(2),
        now,
        { ...effects, effects: { ...effects.effects, recovery_call: { ...call, standardError } } },
        model,
        COSTS,
      ).find((a) => a.action === 'recovery_call');
    // An estimate of 1 just over 1.96 standard errors: believed at sd^2 / (sd^2 + se^2).
    for (const se of [0.1, 0.5]) {
      const f = figure(se);
      expect(f?.evidence.share?.believed).toBeCloseTo(
        (call.delta * sd ** 2) / (sd ** 2 + se ** 2),
        10,
      );
    }
    expect(figure(0.5)?.deltaStay).toBeLessThan((figure(0.1)?.deltaStay ?? 0) / 3);
  });

  it('recommends nothing the history does not show to help: a share under 1.96 standard errors is worth 0', () => {
    const effects = estimateActionEffects(population(400, 0.7, 0.5), options);
    const call = effects.effects.recovery_call;
    const unsure: NbaEffects = {
      ...effects,
      effects: { ...effects.effects, recovery_call: { ...call, standardError: 0.52 } },
    };
    const figure = nextActionsFor(customer(2), now, unsure, model, COSTS).find(
      (a) => a.action === 'recovery_call',
    );
    expect(figure?.evidence.share?.estimate).toBeCloseTo(1, 10);
    expect(figure?.deltaStay).toBe(0);
    expect(figure?.expectedValue).toBe(-8);
  });

  it("applies a fit made before the share as it was: its Δ by the customer's trouble band", () => {
    const old: NbaEffects = {
      horizonDays: 365,
      treatmentWindowDays: 14,
      snapshots: { count: 12, from: null, to: null },
      customers: 800,
      bootstrapResamples: 0,
      effects: Object.fromEntries(
        (Object.keys(COSTS) as (keyof typeof COSTS)[]).map((action) => [
          action,
          {
            action,
            source: 'history',
            delta: 0.02,
            standardError: null,
            ci95: null,
            treated: 100,
            controls: 100,
            strata: [],
            troubleBands: [{ band: 'i3+', treated: 50, controls: 50, delta: 0.05 }],
            method: 'stratified comparison',
            note: '',
          },
        ]),
      ) as unknown as NbaEffects['effects'],
    };
    const call = nextActionsFor(customer(2), now, old, model, COSTS).find(
      (a) => a.action === 'recovery_call',
    );
    expect(call?.deltaStay).toBeCloseTo(0.05, 10);
    expect(call?.evidence.serviceRisk).toBeUndefined();
  });
});
