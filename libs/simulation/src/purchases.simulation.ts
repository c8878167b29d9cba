/**
 * The buying side of a simulated customer's life: purchases (and the next one), deliveries
 * (late or failed), setups, returns, maintenance plans and referrals. Incidents on the way move
 * the latent experience (experience.simulation.ts); a serialised product may develop a defect
 * (warranty.simulation.ts).
 */
import type { Product } from './catalogue';
import {
  ACCESSORY_POLICY,
  CATEGORIES,
  CATEGORY_WEIGHTS,
  EXTENDED_POLICY,
  PRODUCTS_BY_CATEGORY,
  STANDARD_POLICY,
} from './catalogue';
import { complain, feedback } from './complaints.simulation';
import type { CustomerSimulation } from './customer.simulation';
import { dropoutAfterPurchase, experienceAt, feel } from './experience.simulation';
import {
  RETURN_REASONS,
  SALES_CHANNELS,
  SALES_CHANNEL_WEIGHTS,
  SETUP_FAILURES,
} from './simulation.vocabulary';
import { DAY, HOUR, iso, round2 } from './simulation.units';
import { inBadBatch, supplierBatchOf } from './supplier-batches';
import { defectAppears } from './warranty.simulation';
import { WORLD_PARAMETERS as P } from './world.model';

export type PurchaseSim = {
  purchaseId: string;
  product: Product;
  serialNumber: string | undefined;
  /** The lot of a serialised unit (supplier-batches.ts). */
  supplierBatch: string | undefined;
  /** Of the planted bad batch (WorldOptions.badBatch). */
  fromBadBatch: boolean;
  price: number;
  currency: string;
  deliveredAt: number | null;
  returnWindowDays: number;
  lateDelivery: boolean;
  returnRequested: boolean;
  refunded: boolean;
};

export function purchase(life: CustomerSimulation): void {
  if (!life.alive) return;
  const rng = life.rng;
  const category = rng.weighted(CATEGORIES, CATEGORY_WEIGHTS[life.segment]);
  const product = rng.pick(PRODUCTS_BY_CATEGORY[category]);
  const price = round2(Math.max(1, Math.round(product.price * rng.uniform(0.85, 1.05)) - 0.01));
  const channel = rng.weighted(SALES_CHANNELS, SALES_CHANNEL_WEIGHTS);
  const policyId =
    category === 'accessories'
      ? ACCESSORY_POLICY
      : rng.chance(price > 500 ? 0.3 : 0.12)
        ? EXTENDED_POLICY
        : STANDARD_POLICY;
  const returnWindowDays = life.region.jurisdiction === 'EU' ? 14 : 30;
  // Drawn in the order they always were: the id, then the serial.
  const purchaseId = life.id();
  const serialNumber = product.hasSerial ? `${product.sku}-${rng.hex(10)}` : undefined;
  const supplierBatch =
    serialNumber !== undefined ? supplierBatchOf(serialNumber, life.now) : undefined;
  const p: PurchaseSim = {
    purchaseId,
    product,
    serialNumber,
    supplierBatch,
    fromBadBatch: inBadBatch(life.world.badBatch, product.sku, supplierBatch, life.now),
    price,
    currency: life.currency,
    deliveredAt: null,
    returnWindowDays,
    lateDelivery: false,
    returnRequested: false,
    refunded: false,
  };
  const ok = life.customerCommand({
    type: 'RecordPurchase',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      purchaseId: p.purchaseId,
      orderId: `ORD-${rng.hex(12)}`,
      sku: product.sku,
      productCategory: category,
      ...(p.serialNumber !== undefined ? { serialNumber: p.serialNumber } : {}),
      ...(p.supplierBatch !== undefined ? { supplierBatch: p.supplierBatch } : {}),
      price,
      currency: p.currency,
      channel,
      warranty: { warrantyPolicyId: policyId, returnWindowDays },
    },
  });
  if (!ok) return;
  life.purchases++;
  life.revenue += price;
  life.lastPurchaseAt = life.now;
  life.organic('purchase', { price, hasSerial: product.hasSerial });

  if (channel === 'store' && product.carryOut) arrived(life, p);
  else scheduleDelivery(life, p, 1);

  if (experienceAt(life, life.now) > 0.4 && rng.chance(0.06)) {
    life.after(rng.uniform(1, 90), () => refer(life));
  }
  if (dropoutAfterPurchase(life)) life.stop('purchase');
  else life.after(rng.exponential(365.25 / life.ratePerYear), () => purchase(life));
}

function scheduleDelivery(life: CustomerSimulation, p: PurchaseSim, attempt: number): void {
  const rng = life.rng;
  const deliveryId = life.id();
  const dayStart = Math.floor(life.now / DAY) * DAY;
  const promisedFrom = dayStart + rng.int(1, 4) * DAY + 8 * HOUR;
  const promisedTo = promisedFrom + rng.int(0, 2) * DAY + 10 * HOUR;
  const ok = life.customerCommand({
    type: 'ScheduleDelivery',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      deliveryId,
      purchaseId: p.purchaseId,
      promisedFrom: iso(promisedFrom),
      promisedTo: iso(promisedTo),
    },
  });
  if (!ok) return;
  if (attempt === 1 && rng.chance(P.failedDeliveryRate * life.deliveryRisk)) {
    // The courier never shows; a new delivery is booked after the window has passed.
    life.at(promisedTo + rng.uniform(0.5, 2) * DAY, () => {
      feel(life, -0.5);
      if (rng.chance(0.4))
        complain(life, { category: 'delivery', purchase: p, severity: 'medium' });
      scheduleDelivery(life, p, 2);
    });
    return;
  }
  const late = rng.chance(P.lateDeliveryRate * life.deliveryRisk);
  const deliveredAt = late
    ? promisedTo + rng.exponential(2) * DAY + HOUR
    : rng.uniform(promisedFrom - 0.3 * DAY, promisedTo);
  life.at(deliveredAt, () => deliver(life, p, deliveryId));
}

function deliver(life: CustomerSimulation, p: PurchaseSim, deliveryId: string): void {
  const ok = life.customerCommand({
    type: 'CompleteDelivery',
    data: { customerId: life.customerId, occurredAt: iso(life.now), deliveryId },
  });
  if (!ok) return;
  const last = life.customer.events[life.customer.events.length - 1];
  const onTime = (last.data as { onTime: boolean }).onTime;
  if (!onTime) {
    p.lateDelivery = true;
    feel(life, -0.35);
    if (life.rng.chance(0.22)) {
      complain(life, {
        category: 'delivery',
        purchase: p,
        severity: 'low',
        remedySought: 'apology',
      });
    }
  }
  arrived(life, p);
}

/** The product is with the customer: setup, feedback, plans, returns and defects follow. */
function arrived(life: CustomerSimulation, p: PurchaseSim): void {
  const rng = life.rng;
  p.deliveredAt = life.now;
  const product = p.product;
  if (product.needsSetup) life.after(rng.uniform(0.1, 3), () => setup(life, p, 1));
  if (rng.chance(P.returnRate + (p.lateDelivery ? 0.03 : 0))) {
    life.after(rng.uniform(0.5, p.returnWindowDays - 0.5), () =>
      requestReturn(life, p, rng.pick(RETURN_REASONS)),
    );
  }
  if (product.hasSerial && rng.chance(product.defectRate)) {
    life.after(defectDelayDays(rng), () => defectAppears(life, p, 1));
  }
  const bad = life.world.badBatch;
  if (p.fromBadBatch && bad) {
    // The bad batch's excess, drawn from a stream of its own so the unit's other draws stay as
    // they were: (factor - 1) times the SKU's rate more, all of the batch's one defect code.
    const batchRng = rng.fork(0xba7c);
    if (batchRng.chance(Math.min(1, (bad.factor - 1) * product.defectRate))) {
      life.after(defectDelayDays(batchRng), () => defectAppears(life, p, 1, bad.defectCode));
    }
  }
  if (rng.chance(0.2))
    life.after(rng.uniform(2, 14), () => feedback(life, { purchaseId: p.purchaseId }));
  if (
    p.price > 300 &&
    product.category !== 'accessories' &&
    product.category !== 'small_appliances' &&
    rng.chance(P.maintenancePlanRate)
  ) {
    life.after(rng.uniform(0, 30), () => subscribePlan(life, p));
  }
}

/** Days from arrival to a defect: some early failures, the rest over three years. */
function defectDelayDays(rng: CustomerSimulation['rng']): number {
  return rng.chance(0.3) ? rng.exponential(25) + 1 : rng.uniform(30, 1100);
}

function setup(life: CustomerSimulation, p: PurchaseSim, attempt: number): void {
  if (p.returnRequested) return;
  const rng = life.rng;
  const failureRate = p.product.setupFailureRate * (attempt === 1 ? 1 : 0.6);
  if (attempt <= 3 && rng.chance(failureRate)) {
    const ok = life.customerCommand({
      type: 'RecordSetupFailure',
      data: {
        customerId: life.customerId,
        occurredAt: iso(life.now),
        purchaseId: p.purchaseId,
        reason: rng.pick(SETUP_FAILURES),
      },
    });
    if (!ok) return;
    feel(life, -0.45 * attempt);
    if (rng.chance(0.3 + 0.2 * (attempt - 1))) {
      complain(life, {
        category: 'installation',
        purchase: p,
        severity: attempt > 1 ? 'high' : 'medium',
      });
    }
    if (rng.chance(0.1 * attempt))
      life.after(rng.uniform(0.2, 3), () => requestReturn(life, p, 'faulty'));
    else life.after(rng.uniform(1, 7), () => setup(life, p, attempt + 1));
    return;
  }
  const ok = life.customerCommand({
    type: 'CompleteSetup',
    data: { customerId: life.customerId, occurredAt: iso(life.now), purchaseId: p.purchaseId },
  });
  if (ok && attempt === 1) feel(life, 0.05);
}

function requestReturn(life: CustomerSimulation, p: PurchaseSim, reason: string): void {
  if (p.returnRequested) return;
  const start = p.deliveredAt ?? life.now;
  if (life.now > start + p.returnWindowDays * DAY) return;
  const returnId = life.id();
  const ok = life.customerCommand({
    type: 'RequestReturn',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      returnId,
      purchaseId: p.purchaseId,
      reason,
    },
  });
  if (!ok) return;
  p.returnRequested = true;
  const rng = life.rng;
  life.after(rng.uniform(2, 12), () => {
    const refund = rng.chance(0.78);
    const amount = refund ? round2(p.price * (rng.chance(0.85) ? 1 : 0.9)) : 0;
    const done = life.customerCommand({
      type: 'CompleteReturn',
      data: {
        customerId: life.customerId,
        occurredAt: iso(life.now),
        returnId,
        outcome: refund ? 'refund' : 'exchange',
        refundAmount: amount,
      },
    });
    if (done) {
      p.refunded = refund;
      feel(life, reason === 'faulty' ? -0.15 : 0.02);
    }
  });
}

function refer(life: CustomerSimulation): void {
  const referred = life.world.referralCandidate(life.now, 45 * DAY, life.index, life.rng);
  if (referred === undefined || life.state.status !== 'active') return;
  if (life.state.referredCustomerIds[referred]) return;
  life.customerCommand({
    type: 'RecordReferral',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      referralId: life.id(),
      referredCustomerId: referred,
      channel: life.rng.pick(['email', 'social', 'web'] as const),
    },
  });
}

function subscribePlan(life: CustomerSimulation, p: PurchaseSim): void {
  if (p.refunded) return;
  const rng = life.rng;
  const yearly = rng.chance(0.4);
  const planId = life.id();
  const ok = life.customerCommand({
    type: 'SubscribeMaintenancePlan',
    data: {
      customerId: life.customerId,
      occurredAt: iso(life.now),
      planId,
      purchaseId: p.purchaseId,
      price: round2(p.price * (yearly ? 0.08 : 0.008)),
      currency: p.currency,
      billingPeriod: yearly ? 'yearly' : 'monthly',
    },
  });
  if (!ok) return;
  if (rng.chance(0.35)) {
    life.after(rng.exponential(365), () =>
      life.customerCommand({
        type: 'CancelMaintenancePlan',
        data: {
          customerId: life.customerId,
          occurredAt: iso(life.now),
          planId,
          reason: experienceAt(life, life.now) < -0.5 ? 'Unhappy with service' : 'No longer needed',
        },
      }),
    );
  }
}
