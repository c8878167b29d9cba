import type { RecordedEvent } from '@aftercare/event-store';
import type { AftercareEvent } from '@aftercare/domain';
import type { Projection } from '../projection';
import {
  CUSTOMER,
  acknowledged,
  claimDecided,
  claimFiled,
  claimFulfilled,
  claimOverridden,
  complaint,
  delivered,
  escalated,
  feedback,
  piiErased,
  purchase,
  refunded,
  registered,
  reopened,
  repair,
  resolved,
  setupFailed,
  followUpOverdue,
  promiseBroken,
  promiseKept,
  promiseMade,
} from '../journey.fixtures';

/** Freezes a value and everything reachable from it, so an in-place change throws (strict mode). */
export function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}

/**
 * Folds events as the runtime does, but freezes every state before handing it to `evolve` and
 * checks it still serialises the same afterwards: a projection that changes a state its caller
 * still holds (a cached state, an as-of snapshot) fails here. Returns every key's state, and the
 * states after each event, for comparing with another fold.
 */
export function foldFrozen<State>(
  projection: Projection<State>,
  events: readonly RecordedEvent[],
): { states: Map<string, State>; steps: string[] } {
  const states = new Map<string, State>();
  const steps: string[] = [];
  for (const event of events) {
    const key = projection.keyOf(event);
    if (key === undefined) continue;
    const before = deepFreeze(states.has(key) ? states.get(key)! : projection.initialState(key));
    const snapshot = JSON.stringify(before);
    const after = projection.evolve(before, event);
    if (JSON.stringify(before) !== snapshot) {
      throw new Error(`${projection.name} changed the state it was given, at ${event.type}`);
    }
    states.set(key, after);
    steps.push(JSON.stringify(after));
  }
  return { states, steps };
}

/**
 * One customer's eventful year, every kind of change twice where a second one matters (a second
 * complaint, a repeat repair, a same-day purchase, feedback recorded late).
 */
export function eventfulJourney(): AftercareEvent[] {
  return [
    registered(),
    purchase('p1', '2024-02-01T10:00:00Z', 100),
    purchase('p2', '2024-02-01T15:00:00Z', 50),
    purchase('p1', '2024-02-01T10:00:00Z', 100),
    delivered('p1', '2024-02-03T10:00:00Z', true),
    delivered('p2', '2024-02-09T10:00:00Z', false),
    setupFailed('p2', '2024-02-10T10:00:00Z'),
    feedback('2024-02-20T10:00:00Z', { nps: 9, csat: 5, ces: 2 }),
    complaint('c1', '2024-03-01T10:00:00Z', 'high'),
    acknowledged('c1', '2024-03-01T12:00:00Z'),
    escalated('c1', '2024-03-02T10:00:00Z'),
    resolved('c1', '2024-03-05T10:00:00Z'),
    reopened('c1', '2024-03-06T10:00:00Z'),
    resolved('c1', '2024-03-08T10:00:00Z'),
    complaint('c2', '2024-03-09T10:00:00Z'),
    claimFiled('w1', 'p1', '2024-04-01T10:00:00Z'),
    claimDecided('w1', 'p1', '2024-04-02T10:00:00Z', 'rejected', 0),
    claimOverridden('w1', '2024-04-03T10:00:00Z'),
    repair('r1', 'p1', '2024-04-10T10:00:00Z', 'warranty', 80, 'w1'),
    claimFulfilled('w1', '2024-04-10T10:00:00Z', 80),
    repair('r2', 'p1', '2024-05-10T10:00:00Z', 'customer', 40),
    repair('r2', 'p1', '2024-05-10T10:00:00Z', 'customer', 40),
    refunded('ret1', 'p2', '2024-05-20T10:00:00Z', 50),
    feedback('2024-06-01T10:00:00Z', { nps: 3 }),
    feedback('2024-01-15T10:00:00Z', { csat: 2 }),
    piiErased('2024-07-01T10:00:00Z'),
    registered('2024-07-02T10:00:00Z'),
  ];
}

/**
 * Folds events as a rebuild does with `evolveInPlace` (falling back to `evolve`): one state per
 * key, changed in place. Returns every key's final state.
 */
export function foldInPlace<State>(
  projection: Projection<State>,
  events: readonly RecordedEvent[],
): Map<string, State> {
  const evolve = projection.evolveInPlace ?? projection.evolve;
  const states = new Map<string, State>();
  for (const event of events) {
    const key = projection.keyOf(event);
    if (key === undefined) continue;
    states.set(key, evolve(states.get(key) ?? projection.initialState(key), event));
  }
  return states;
}

/**
 * The eventful journey of `customers` customers (`cust-0`, `cust-1`, …, each with their own
 * purchases, complaints and claims), interleaved step by step as a live store records them.
 */
export function interleavedJourneys(customers: number): AftercareEvent[] {
  const journeys = Array.from(
    { length: customers },
    (_, i) =>
      JSON.parse(
        JSON.stringify(eventfulJourney())
          .replaceAll('"cust-1"', `"cust-${i}"`)
          .replace(/"(SN-)?(p1|p2|c1|c2|w1|r1|r2|ret1)"/g, `"$1$2-${i}"`),
      ) as AftercareEvent[],
  );
  return journeys[0].flatMap((_, step) => journeys.map((journey) => journey[step]));
}

/**
 * Events of `cust-1` the eventful journey has none of (maintenance plans, a referral, promises,
 * a missed follow-up, deliveries booked again, a return requested, ids named like members of
 * Object.prototype), dated after it.
 */
export function lessCommonEvents(): AftercareEvent[] {
  const at = (day: number) => `2024-08-${String(day).padStart(2, '0')}T09:30:00Z`;
  return [
    {
      type: 'MaintenancePlanSubscribed',
      data: {
        customerId: CUSTOMER,
        occurredAt: at(1),
        planId: 'plan-1',
        purchaseId: 'p1',
        price: 9.99,
        currency: 'EUR',
        billingPeriod: 'monthly',
      },
    },
    {
      type: 'MaintenancePlanSubscribed',
      data: {
        customerId: CUSTOMER,
        occurredAt: at(2),
        planId: 'plan-2',
        price: 99,
        currency: 'EUR',
        billingPeriod: 'yearly',
      },
    },
    {
      type: 'MaintenancePlanCancelled',
      data: { customerId: CUSTOMER, occurredAt: at(3), planId: 'plan-1' },
    },
    {
      type: 'ReferralMade',
      data: {
        customerId: CUSTOMER,
        occurredAt: at(4),
        referralId: 'ref-1',
        referredCustomerId: 'x',
      },
    },
    promiseMade('pr-1', at(5), at(7)),
    promiseKept('pr-1', at(6), at(7)),
    promiseMade('pr-2', at(8), at(9)),
    promiseBroken('pr-2', at(10), at(9)),
    followUpOverdue('task-1', at(11), at(10)),
    ...['d-1', 'd-2', 'd-3'].map((deliveryId, i): AftercareEvent => ({
      type: 'DeliveryScheduled',
      data: {
        customerId: CUSTOMER,
        occurredAt: at(14 + i),
        deliveryId,
        purchaseId: i < 2 ? 'p-late' : 'p-next',
        promisedFrom: at(20),
        promisedTo: at(21),
      },
    })),
    // Ids that are names of Object.prototype are just ids.
    complaint('__proto__', at(12)),
    complaint('toString', at(13)),
    {
      type: 'ReturnRequested',
      data: {
        customerId: CUSTOMER,
        occurredAt: at(18),
        returnId: 'ret-2',
        purchaseId: 'p1',
        reason: 'arrived damaged',
      },
    },
    refunded('ret-2', 'p1', at(19), 100),
  ];
}
