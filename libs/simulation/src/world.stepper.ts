import type { RetentionAction } from '@aftercare/domain';
import type { CustomerSimulation } from './customer.simulation';
import type { SimulatedEvent, WorldOptions } from './world.model';
import { prepareWorld, resolveWorldOptions, type ResolvedWorldOptions } from './world.generator';

/** What became of one simulated customer (ground truth, never in any store). */
export type CustomerOutcome = {
  customerId: string;
  /** Still buying at the simulation clock. */
  alive: boolean;
  /** Latent purchase rate while alive. */
  purchaseRatePerYear: number;
  purchases: number;
  revenue: number;
};

/**
 * The simulated world lived by everyone at once, step by step, so something outside it (a
 * targeting policy) can look at the histories so far and act on customers between steps. The
 * same options give the same lives as generateWorld: a customer nobody acts on lives the same
 * life, event for event.
 */
export class SteppedWorld {
  readonly options: ResolvedWorldOptions;
  private readonly customers: CustomerSimulation[];
  private readonly ids: string[];
  private readonly read: Int32Array;
  /** Per customer, events read so far of each warranty claim stream. */
  private readonly claimsRead: number[][] = [];
  private clock: number;

  constructor(options: Partial<WorldOptions>) {
    this.options = resolveWorldOptions(options);
    const prepared = prepareWorld(this.options);
    this.customers = prepared.order.map((i) => prepared.customer(i));
    this.ids = prepared.order.map((i) => prepared.customerIds[i]);
    this.read = new Int32Array(this.customers.length);
    for (const c of this.customers) c.start();
    this.clock = Date.parse(this.options.from);
  }

  get size(): number {
    return this.customers.length;
  }

  get now(): number {
    return this.clock;
  }

  customerId(k: number): string {
    return this.ids[k];
  }

  /** Lives everyone's life up to `untilMs` (exclusive). */
  advance(untilMs: number): void {
    for (const c of this.customers) c.advance(untilMs);
    this.clock = Math.max(this.clock, untilMs);
  }

  /**
   * Customer k's events recorded since the last call: their customer stream's, then their warranty
   * claims' (each claim stream in filing order).
   */
  newEvents(k: number): readonly SimulatedEvent[] {
    const c = this.customers[k];
    const events = c.events;
    const from = this.read[k];
    this.read[k] = events.length;
    const fresh = from === 0 && events.length > 0 ? events : events.slice(from);
    if (c.claims.length === 0) return fresh;
    const read = (this.claimsRead[k] ??= []);
    const claimed: SimulatedEvent[] = [];
    c.claims.forEach((claim, i) => {
      const all = claim.stream.events;
      for (let j = read[i] ?? 0; j < all.length; j++) claimed.push(all[j]);
      read[i] = all.length;
    });
    return claimed.length === 0 ? fresh : [...fresh, ...claimed];
  }

  /** Takes an action on customer k now; false when they are not (or no longer) on record. */
  act(k: number, action: RetentionAction, reason: string, actor?: string): boolean {
    const c = this.customers[k];
    if (!c.registered) return false;
    c.advance(this.clock);
    return c.act(action, reason, actor);
  }

  outcome(k: number): CustomerOutcome {
    const c = this.customers[k];
    return {
      customerId: this.ids[k],
      alive: c.alive,
      purchaseRatePerYear: c.ratePerYear,
      purchases: c.history().truth.purchases,
      revenue: c.revenue,
    };
  }
}
