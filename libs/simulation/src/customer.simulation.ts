import {
  COMPLAINT_REMEDIES,
  EVENT_SCHEMA_VERSIONS,
  decideCustomer,
  decideWarrantyClaimCommand,
  evolveCustomer,
  evolveWarrantyClaim,
  initialCustomerState,
  initialWarrantyClaimState,
  isDomainError,
  customerStreamId,
  warrantyClaimStreamId,
} from '@aftercare/domain';
import type {
  AftercareEvent,
  ComplaintCategory,
  ComplaintRemedy,
  ComplaintSeverity,
  CustomerCommand,
  CustomerSegment,
  CustomerState,
  Defect,
  RetentionAction,
  PriorClaim,
  WarrantyClaimCommand,
  WarrantyClaimState,
  WarrantyPolicyVersion,
  WarrantyRemedy,
} from '@aftercare/domain';
import { ActionQueue } from './action-queue';
import type { ActionTarget, OrganicTrigger } from './actions.simulation';
import { applyRetentionAction, organicActions, type ActionOptions } from './actions.simulation';
import {
  SEGMENTS,
  SEGMENT_WEIGHTS,
  SALES_CHANNELS,
  SALES_CHANNEL_WEIGHTS,
  CONTACT_CHANNELS,
  CONTACT_CHANNEL_WEIGHTS,
  CAUSES,
  CAUSE_WEIGHTS,
  SEVERITIES,
  SETUP_FAILURES,
  RETURN_REASONS,
  RESOLUTIONS,
  ESCALATION_REASONS,
  REOPEN_REASONS,
  GOOD_COMMENTS,
  MIXED_COMMENTS,
  BAD_COMMENTS,
} from './simulation.vocabulary';
import type { Product } from './catalogue';
import {
  ACCESSORY_POLICY,
  CATEGORIES,
  CATEGORY_WEIGHTS,
  EXTENDED_POLICY,
  FIRST_NAMES,
  LAST_NAMES,
  PRODUCTS_BY_CATEGORY,
  REGIONS,
  REGION_WEIGHTS,
  STANDARD_POLICY,
} from './catalogue';
import type { Prng } from './prng';
import type { CommandRefusal, CustomerTruth, DecidedCommand, SimulatedEvent } from './world.model';
import { WORLD_PARAMETERS as P } from './world.model';

/**
 * One customer's life as a discrete-event simulation. Every change goes through the domain:
 * build a command, `decide` on the state folded so far, `evolve` with the events, keep them. The
 * latent side (purchase rate, dropout, experience) lives here and only leaks into the history
 * through what the customer does, so models have to infer it.
 *
 * Why one long file: the methods below are the steps of one state machine and share its state
 * (the folded customer, the event queue, the latent experience); split by journey they would
 * hand that state around through accessors. The vocabulary the steps draw from lives in
 * `simulation.vocabulary.ts`.
 */

const DAY = 86_400_000;
const HOUR = 3_600_000;

/** What a customer simulation needs from the world around it. */
export type WorldContext = {
  fromMs: number;
  toMs: number;
  experienceEffect: number;
  recordCommands: boolean;
  /** Every published version, by policy id. */
  policyVersions: Readonly<Record<string, WarrantyPolicyVersion[]>>;
  /** Another customer who signs up within (after, after + withinMs], to be referred; or none. */
  referralCandidate(after: number, withinMs: number, self: number, rng: Prng): string | undefined;
  /** Retention actions: their strength and how often agents take them unprompted. */
  actions: ActionOptions;
};

export type SimulatedStream = {
  streamId: string;
  events: SimulatedEvent[];
  commands: DecidedCommand[];
};

export type CustomerHistory = {
  customer: SimulatedStream;
  /** One stream per warranty claim, in filing order; events not yet hash-chained. */
  claims: SimulatedStream[];
  truth: CustomerTruth;
  /** Commands the domain refused (a simulation bug if ever non-zero). */
  refusals: CommandRefusal[];
};

type PurchaseSim = {
  purchaseId: string;
  product: Product;
  serialNumber: string | undefined;
  price: number;
  currency: string;
  deliveredAt: number | null;
  returnWindowDays: number;
  lateDelivery: boolean;
  returnRequested: boolean;
  refunded: boolean;
};

type ComplaintSim = {
  complaintId: string;
  severity: ComplaintSeverity;
  remedySought: ComplaintRemedy;
  filedAt: number;
  acknowledgedAt: number;
  resolved: boolean;
  reopenings: number;
  /** Runs once, when the complaint is first resolved. */
  onResolved?: (satisfied: boolean) => void;
};

type ClaimSim = {
  stream: SimulatedStream;
  state: WarrantyClaimState;
  purchase: PurchaseSim;
  prior: PriorClaim;
  repairCost: number;
};

const round2 = (x: number): number => Math.round(x * 100) / 100;
const clamp = (x: number, min: number, max: number): number => (x < min ? min : x > max ? max : x);
/** ISO instant of a simulation time; commands at one instant share the string. */
let lastIsoMs = Number.NaN;
let lastIso = '';
function iso(ms: number): string {
  if (ms !== lastIsoMs) {
    lastIsoMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export class CustomerSimulation implements ActionTarget {
  private readonly queue = new ActionQueue();
  now = 0;
  /**
   * Draws for retention actions (organic ones and their effects), apart from the life's own: at
   * action strength 0 a customer acted on lives exactly the life they would have without it.
   */
  readonly actionRng: Prng;
  private state: CustomerState = initialCustomerState();
  private readonly customer: SimulatedStream;
  private readonly claims: ClaimSim[] = [];
  private readonly priorClaimsBySerial = new Map<string, PriorClaim[]>();
  private readonly refusals: CustomerHistory['refusals'] = [];

  // Latent traits
  readonly ratePerYear: number;
  private readonly dropoutP: number;
  private readonly sensitivity: number;
  /** --experience-effect x sensitivity: 0 cuts every link from experience to stopping. */
  private readonly strength: number;
  private readonly baseline: number;
  /** How harshly this customer scores feedback compared to how they feel. */
  private readonly harshness: number;
  /** Some customers are unlucky with couriers (where they live). */
  private readonly deliveryRisk: number;
  private readonly segment: CustomerSegment;
  private readonly region: (typeof REGIONS)[number];

  // Latent state
  alive = true;
  lastBadIncidentAt: number | null = null;
  openComplaints = 0;
  /** Multiplies the chance that a defect comes back (a maintenance plan lowers it). */
  repeatDefectFactor = 1;
  revenue = 0;
  private stoppedAt: number | null = null;
  private stopCause: CustomerTruth['stopCause'] = null;
  private experience: number;
  private experienceAt: number;
  private worstExperience: number;
  private badIncidents = 0;
  /** Bad incidents' sizes, fading with the experience half-life (with effect > 0 only). */
  private grievance = 0;
  private grievanceAt = 0;
  /** Invalidates a scheduled hazard exit once a later incident has redrawn it. */
  private hazardDraw = 0;
  /** The Exp(1) draw behind the pending hazard exit, so a soothed grievance can delay it. */
  private hazardE = 0;
  private purchases = 0;
  private lastPurchaseAt: number | null = null;
  private erased = false;

  constructor(
    private readonly world: WorldContext,
    private readonly rng: Prng,
    private readonly index: number,
    private readonly customerId: string,
    private readonly signupAt: number,
  ) {
    this.customer = { streamId: customerStreamId(customerId), events: [], commands: [] };
    this.ratePerYear = rng.gamma(P.purchaseRate.shape, P.purchaseRate.ratePerYear);
    this.dropoutP = rng.beta(P.dropout.a, P.dropout.b);
    this.sensitivity = rng.gamma(P.experienceSensitivity.shape, P.experienceSensitivity.rate);
    this.strength = world.experienceEffect * this.sensitivity;
    this.baseline = rng.normal(0.3, 0.4);
    this.harshness = rng.normal(0, 0.5);
    this.deliveryRisk = rng.logNormal(1, 0.5);
    this.segment = rng.weighted(SEGMENTS, SEGMENT_WEIGHTS);
    this.region = rng.weighted(REGIONS, REGION_WEIGHTS);
    this.experience = this.baseline;
    this.experienceAt = signupAt;
    this.worstExperience = this.baseline;
    this.actionRng = rng.fork(0x0ac7);
  }

  run(): CustomerHistory {
    this.start();
    this.advance(Number.POSITIVE_INFINITY);
    return this.history();
  }

  start(): void {
    this.at(this.signupAt, () => this.register());
  }

  /** Lives everything scheduled before `untilMs`; the clock stops there. */
  advance(untilMs: number): void {
    for (let next = this.queue.peek(); next && next.at < untilMs; next = this.queue.peek()) {
      this.queue.pop();
      this.now = next.at;
      next.run();
    }
    if (Number.isFinite(untilMs)) this.now = Math.max(this.now, Math.min(untilMs, this.world.toMs));
  }

  get events(): readonly SimulatedEvent[] {
    return this.customer.events;
  }

  get registered(): boolean {
    return this.state.status === 'active';
  }

  history(): CustomerHistory {
    const end = this.stoppedAt ?? this.world.toMs;
    return {
      customer: this.customer,
      claims: this.claims.map((c) => c.stream),
      truth: {
        customerId: this.customerId,
        signedUpAt: iso(this.signupAt),
        jurisdiction: this.region.jurisdiction,
        segment: this.segment,
        purchaseRatePerYear: round4(this.ratePerYear),
        dropoutProbability: round4(this.dropoutP),
        experienceSensitivity: round4(this.sensitivity),
        stoppedAt: this.stoppedAt === null ? null : iso(this.stoppedAt),
        stopCause: this.stopCause,
        purchases: this.purchases,
        lastPurchaseAt: this.lastPurchaseAt === null ? null : iso(this.lastPurchaseAt),
        experienceScore: round4(this.experienceAt_(end)),
        worstExperienceScore: round4(this.worstExperience),
        badIncidents: this.badIncidents,
        events:
          this.customer.events.length + this.claims.reduce((n, c) => n + c.stream.events.length, 0),
        warrantyClaims: this.claims.length,
      },
      refusals: this.refusals,
    };
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing: the clock, the deciders, experience
  // -------------------------------------------------------------------------------------------

  /** Schedules an action; nothing happens at or after the end of the period. */
  private at(when: number, run: () => void): void {
    const t = Math.round(when / 1000) * 1000;
    if (t < this.world.toMs && !this.erased) this.queue.push(Math.max(t, this.now), run);
  }

  private after(days: number, run: () => void): void {
    this.at(this.now + days * DAY, run);
  }

  /** Decides a customer command on the current state; returns false when the domain refuses. */
  private customerCommand(
    command: CustomerCommand,
    actor = 'system:seed',
    rng: Prng = this.rng,
  ): boolean {
    let decided;
    try {
      decided = decideCustomer(command, this.state);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.refusals.push({ command: command.type, code: error.code, message: error.message });
      return false;
    }
    this.record(this.customer, command, decided, actor, rng);
    for (const event of decided) this.state = evolveCustomer(this.state, event);
    return true;
  }

  private claimCommand(claim: ClaimSim, command: WarrantyClaimCommand, actor: string): boolean {
    let decided;
    try {
      decided = decideWarrantyClaimCommand(command, claim.state);
    } catch (error) {
      if (!isDomainError(error)) throw error;
      this.refusals.push({ command: command.type, code: error.code, message: error.message });
      return false;
    }
    this.record(claim.stream, command, decided, actor);
    for (const event of decided) claim.state = evolveWarrantyClaim(claim.state, event);
    return true;
  }

  private record(
    stream: SimulatedStream,
    command: CustomerCommand | WarrantyClaimCommand,
    decided: readonly AftercareEvent[],
    actor: string,
    rng: Prng = this.rng,
  ): void {
    if (this.world.recordCommands) {
      stream.commands.push({ command, revision: stream.events.length, eventCount: decided.length });
    }
    const correlationId = rng.uuid();
    for (const event of decided) {
      stream.events.push({
        id: rng.uuid(),
        type: event.type,
        data: event.data,
        metadata: { schemaVersion: EVENT_SCHEMA_VERSIONS[event.type], correlationId, actor },
      });
    }
  }

  private experienceAt_(t: number): number {
    const decay = Math.pow(0.5, (t - this.experienceAt) / (P.experienceHalfLifeDays * DAY));
    return this.baseline + (this.experience - this.baseline) * decay;
  }

  /**
   * Moves the latent experience. With --experience-effect > 0 a bad incident also adds to the
   * customer's grievance, which raises a lasting hazard of stopping (experienceExit), and may
   * (rarely) make them leave on the spot.
   */
  private feel(delta: number): void {
    this.experience = this.experienceAt_(this.now) + delta;
    this.experienceAt = this.now;
    if (this.experience < this.worstExperience) this.worstExperience = this.experience;
    if (delta >= 0) return;
    this.badIncidents++;
    this.lastBadIncidentAt = this.now;
    this.organic('incident');
    if (!this.alive || this.strength === 0) return;
    const p = 1 - Math.exp(-P.immediateDropoutPerIncident * this.strength * -delta);
    if (this.rng.chance(p)) this.stop('incident');
    else this.experienceExit(-delta);
  }

  /**
   * The main link from experience to stopping, a lasting hazard: while alive, the customer stops
   * at a rate (per day) of
   *
   *   h(t) = strength * experienceHazardPerYear / 365.25 * g(t),
   *
   * where the grievance g is the sum of the bad incidents' sizes, each fading with the
   * experience half-life: g(t) = g0 * exp(-(t - now) / tau), tau = half-life / ln 2. Good
   * service afterwards lifts the experience (and feedback) but does not erase the grievance: a
   * recovered complaint still raises the odds of leaving (the recovery paradox holds for
   * satisfaction, not for repurchase; de Matos, Henrique & Rossi 2007). The cumulative hazard
   * from now on is c g0 tau (1 - exp(-s / tau)), finite, so a customer may never stop from it;
   * otherwise the exit comes where it reaches an Exp(1) draw. Drawn afresh at every incident
   * (valid: the hazard is memoryless between incidents); an earlier pending exit is dropped.
   */
  private experienceExit(size: number): void {
    const tau = P.experienceHalfLifeDays / Math.LN2;
    this.grievance = this.grievance * Math.exp(-(this.now - this.grievanceAt) / (tau * DAY)) + size;
    this.grievanceAt = this.now;
    const draw = ++this.hazardDraw;
    this.hazardE = this.rng.exponential(1);
    this.scheduleExperienceExit(draw);
  }

  private scheduleExperienceExit(draw: number): void {
    const tau = P.experienceHalfLifeDays / Math.LN2;
    const total = ((this.strength * P.experienceHazardPerYear) / 365.25) * this.grievance * tau;
    const e = this.hazardE;
    if (e >= total) return;
    this.after(-tau * Math.log(1 - e / total), () => {
      if (this.alive && draw === this.hazardDraw) this.stop('experience');
    });
  }

  experienceNow(): number {
    return this.experienceAt_(this.now);
  }

  /**
   * An action's turn in how the customer feels. Unlike an incident it draws nothing from the
   * life's generator: a backfire (delta < 0) adds to the grievance through the pending exit's
   * own draw, so acting on a customer changes their life only through its effect.
   */
  lift(delta: number): void {
    if (delta === 0) return;
    this.experience = this.experienceAt_(this.now) + delta;
    this.experienceAt = this.now;
    if (this.experience < this.worstExperience) this.worstExperience = this.experience;
    if (delta < 0) this.regrieve((g) => g - delta);
  }

  /** Takes `fraction` off the grievance now (see regrieve). */
  soothe(fraction: number): void {
    if (fraction > 0 && this.grievance > 0) this.regrieve((g) => g * (1 - Math.min(1, fraction)));
  }

  /**
   * Changes the grievance now, keeping the pending exit's draw: the hazard already spent since
   * the last incident is subtracted, and the rest (memoryless, Exp(1) again) is spent at the new
   * hazard, so a lower grievance moves the exit later (or away), a higher one sooner.
   */
  private regrieve(change: (grievance: number) => number): void {
    if (!this.alive || this.strength === 0) return;
    const tau = P.experienceHalfLifeDays / Math.LN2;
    const rate = (this.strength * P.experienceHazardPerYear) / 365.25;
    const elapsedDays = (this.now - this.grievanceAt) / DAY;
    if (this.grievance > 0) {
      const spent = rate * this.grievance * tau * (1 - Math.exp(-elapsedDays / tau));
      this.hazardE = Math.max(0, this.hazardE - spent);
    } else {
      this.hazardE = this.actionRng.exponential(1);
    }
    this.grievance = change(this.grievance * Math.exp(-elapsedDays / tau));
    this.grievanceAt = this.now;
    this.scheduleExperienceExit(++this.hazardDraw);
  }

  /** Records a retention action on the customer stream (ids from the action draws). */
  recordAction(action: RetentionAction, cost: number, reason: string, actor: string): boolean {
    return this.customerCommand(
      {
        type: 'RecordRetentionAction',
        data: {
          customerId: this.customerId,
          occurredAt: iso(this.now),
          actionId: this.actionRng.uuid(),
          action,
          cost,
          currency: this.currency,
          reason,
        },
      },
      actor,
      this.actionRng,
    );
  }

  /** Takes a retention action now: recorded, and its effect on the latent state applied. */
  act(action: RetentionAction, reason: string, actor = 'agent:retention'): boolean {
    return applyRetentionAction(this, action, reason, actor, this.world.actions);
  }

  /** Agents acting unprompted (with --organic-actions): the history the model learns from. */
  private organic(trigger: OrganicTrigger, purchase?: { price: number; hasSerial: boolean }): void {
    for (const planned of organicActions(trigger, this.world.actions, this.actionRng, purchase)) {
      this.after(planned.afterDays, () => {
        if (this.registered) this.act(planned.action, planned.reason, 'agent:organic');
      });
    }
  }

  private stop(cause: NonNullable<CustomerTruth['stopCause']>): void {
    this.alive = false;
    this.stoppedAt = this.now;
    this.stopCause = cause;
    if (this.rng.chance(P.erasureAfterDropoutRate)) {
      this.after(this.rng.uniform(60, 500), () => this.erase());
    }
  }

  /** BG/NBD dropout after a purchase, its odds moved by the experience so far. */
  private dropoutAfterPurchase(): boolean {
    const e = this.experienceAt_(this.now);
    const logMultiplier =
      this.strength *
      (P.dropoutPerBadExperience * Math.max(0, -e) - P.retentionPerGoodExperience * Math.max(0, e));
    const p = 1 - Math.pow(1 - this.dropoutP, Math.exp(logMultiplier));
    return this.rng.chance(Math.min(p, 0.97));
  }

  private id(): string {
    return this.rng.uuid();
  }

  private get currency(): string {
    return this.region.currency;
  }

  // -------------------------------------------------------------------------------------------
  // The life
  // -------------------------------------------------------------------------------------------

  private register(): void {
    const rng = this.rng;
    const first = rng.pick(FIRST_NAMES);
    const last = rng.pick(LAST_NAMES);
    const phone = rng.chance(0.6)
      ? `+${rng.int(10_000_000, 99_999_999)}${rng.int(100, 999)}`
      : undefined;
    this.customerCommand({
      type: 'RegisterCustomer',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        pii: {
          name: `${first} ${last}`,
          email: `${first}.${last}.${this.index}@example.com`.toLowerCase(),
          ...(phone !== undefined ? { phone } : {}),
        },
        jurisdiction: this.region.jurisdiction,
        countryCode: rng.pick(this.region.countries),
        segment: this.segment,
        signupChannel: rng.weighted(SALES_CHANNELS, SALES_CHANNEL_WEIGHTS),
      },
    });
    this.after(rng.exponential(0.5), () => this.purchase());
    this.after(rng.exponential(365.25 / P.randomComplaintsPerYear), () => this.randomComplaint());
  }

  private purchase(): void {
    if (!this.alive) return;
    const rng = this.rng;
    const category = rng.weighted(CATEGORIES, CATEGORY_WEIGHTS[this.segment]);
    const product = rng.pick(PRODUCTS_BY_CATEGORY[category]);
    const price = round2(Math.max(1, Math.round(product.price * rng.uniform(0.85, 1.05)) - 0.01));
    const channel = rng.weighted(SALES_CHANNELS, SALES_CHANNEL_WEIGHTS);
    const policyId =
      category === 'accessories'
        ? ACCESSORY_POLICY
        : rng.chance(price > 500 ? 0.3 : 0.12)
          ? EXTENDED_POLICY
          : STANDARD_POLICY;
    const returnWindowDays = this.region.jurisdiction === 'EU' ? 14 : 30;
    const p: PurchaseSim = {
      purchaseId: this.id(),
      product,
      serialNumber: product.hasSerial ? `${product.sku}-${rng.hex(10)}` : undefined,
      price,
      currency: this.currency,
      deliveredAt: null,
      returnWindowDays,
      lateDelivery: false,
      returnRequested: false,
      refunded: false,
    };
    const ok = this.customerCommand({
      type: 'RecordPurchase',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        purchaseId: p.purchaseId,
        orderId: `ORD-${rng.hex(12)}`,
        sku: product.sku,
        productCategory: category,
        ...(p.serialNumber !== undefined ? { serialNumber: p.serialNumber } : {}),
        price,
        currency: p.currency,
        channel,
        warranty: { warrantyPolicyId: policyId, returnWindowDays },
      },
    });
    if (!ok) return;
    this.purchases++;
    this.revenue += price;
    this.lastPurchaseAt = this.now;
    this.organic('purchase', { price, hasSerial: product.hasSerial });

    if (channel === 'store' && product.carryOut) this.arrived(p);
    else this.scheduleDelivery(p, 1);

    if (this.experienceAt_(this.now) > 0.4 && rng.chance(0.06)) {
      this.after(rng.uniform(1, 90), () => this.refer());
    }
    if (this.dropoutAfterPurchase()) this.stop('purchase');
    else this.after(rng.exponential(365.25 / this.ratePerYear), () => this.purchase());
  }

  private scheduleDelivery(p: PurchaseSim, attempt: number): void {
    const rng = this.rng;
    const deliveryId = this.id();
    const dayStart = Math.floor(this.now / DAY) * DAY;
    const promisedFrom = dayStart + rng.int(1, 4) * DAY + 8 * HOUR;
    const promisedTo = promisedFrom + rng.int(0, 2) * DAY + 10 * HOUR;
    const ok = this.customerCommand({
      type: 'ScheduleDelivery',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        deliveryId,
        purchaseId: p.purchaseId,
        promisedFrom: iso(promisedFrom),
        promisedTo: iso(promisedTo),
      },
    });
    if (!ok) return;
    if (attempt === 1 && rng.chance(P.failedDeliveryRate * this.deliveryRisk)) {
      // The courier never shows; a new delivery is booked after the window has passed.
      this.at(promisedTo + rng.uniform(0.5, 2) * DAY, () => {
        this.feel(-0.5);
        if (rng.chance(0.4))
          this.complain({ category: 'delivery', purchase: p, severity: 'medium' });
        this.scheduleDelivery(p, 2);
      });
      return;
    }
    const late = rng.chance(P.lateDeliveryRate * this.deliveryRisk);
    const deliveredAt = late
      ? promisedTo + rng.exponential(2) * DAY + HOUR
      : rng.uniform(promisedFrom - 0.3 * DAY, promisedTo);
    this.at(deliveredAt, () => this.deliver(p, deliveryId));
  }

  private deliver(p: PurchaseSim, deliveryId: string): void {
    const ok = this.customerCommand({
      type: 'CompleteDelivery',
      data: { customerId: this.customerId, occurredAt: iso(this.now), deliveryId },
    });
    if (!ok) return;
    const last = this.customer.events[this.customer.events.length - 1];
    const onTime = (last.data as { onTime: boolean }).onTime;
    if (!onTime) {
      p.lateDelivery = true;
      this.feel(-0.35);
      if (this.rng.chance(0.22)) {
        this.complain({
          category: 'delivery',
          purchase: p,
          severity: 'low',
          remedySought: 'apology',
        });
      }
    }
    this.arrived(p);
  }

  /** The product is with the customer: setup, feedback, plans, returns and defects follow. */
  private arrived(p: PurchaseSim): void {
    const rng = this.rng;
    p.deliveredAt = this.now;
    const product = p.product;
    if (product.needsSetup) this.after(rng.uniform(0.1, 3), () => this.setup(p, 1));
    if (rng.chance(P.returnRate + (p.lateDelivery ? 0.03 : 0))) {
      this.after(rng.uniform(0.5, p.returnWindowDays - 0.5), () =>
        this.requestReturn(p, rng.pick(RETURN_REASONS)),
      );
    }
    if (product.hasSerial && rng.chance(product.defectRate)) {
      const days = rng.chance(0.3) ? rng.exponential(25) + 1 : rng.uniform(30, 1100);
      this.after(days, () => this.defect(p, 1));
    }
    if (rng.chance(0.2))
      this.after(rng.uniform(2, 14), () => this.feedback({ purchaseId: p.purchaseId }));
    if (
      p.price > 300 &&
      product.category !== 'accessories' &&
      product.category !== 'small_appliances' &&
      rng.chance(P.maintenancePlanRate)
    ) {
      this.after(rng.uniform(0, 30), () => this.subscribePlan(p));
    }
  }

  private setup(p: PurchaseSim, attempt: number): void {
    if (p.returnRequested) return;
    const rng = this.rng;
    const failureRate = p.product.setupFailureRate * (attempt === 1 ? 1 : 0.6);
    if (attempt <= 3 && rng.chance(failureRate)) {
      const ok = this.customerCommand({
        type: 'RecordSetupFailure',
        data: {
          customerId: this.customerId,
          occurredAt: iso(this.now),
          purchaseId: p.purchaseId,
          reason: rng.pick(SETUP_FAILURES),
        },
      });
      if (!ok) return;
      this.feel(-0.45 * attempt);
      if (rng.chance(0.3 + 0.2 * (attempt - 1))) {
        this.complain({
          category: 'installation',
          purchase: p,
          severity: attempt > 1 ? 'high' : 'medium',
        });
      }
      if (rng.chance(0.1 * attempt))
        this.after(rng.uniform(0.2, 3), () => this.requestReturn(p, 'faulty'));
      else this.after(rng.uniform(1, 7), () => this.setup(p, attempt + 1));
      return;
    }
    const ok = this.customerCommand({
      type: 'CompleteSetup',
      data: { customerId: this.customerId, occurredAt: iso(this.now), purchaseId: p.purchaseId },
    });
    if (ok && attempt === 1) this.feel(0.05);
  }

  private requestReturn(p: PurchaseSim, reason: string): void {
    if (p.returnRequested) return;
    const start = p.deliveredAt ?? this.now;
    if (this.now > start + p.returnWindowDays * DAY) return;
    const returnId = this.id();
    const ok = this.customerCommand({
      type: 'RequestReturn',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        returnId,
        purchaseId: p.purchaseId,
        reason,
      },
    });
    if (!ok) return;
    p.returnRequested = true;
    const rng = this.rng;
    this.after(rng.uniform(2, 12), () => {
      const refund = rng.chance(0.78);
      const amount = refund ? round2(p.price * (rng.chance(0.85) ? 1 : 0.9)) : 0;
      const done = this.customerCommand({
        type: 'CompleteReturn',
        data: {
          customerId: this.customerId,
          occurredAt: iso(this.now),
          returnId,
          outcome: refund ? 'refund' : 'exchange',
          refundAmount: amount,
        },
      });
      if (done) {
        p.refunded = refund;
        this.feel(reason === 'faulty' ? -0.15 : 0.02);
      }
    });
  }

  // -------------------------------------------------------------------------------------------
  // Defects, repairs and warranty claims
  // -------------------------------------------------------------------------------------------

  private defect(p: PurchaseSim, occurrence: number): void {
    if (p.refunded || p.serialNumber === undefined) return;
    const rng = this.rng;
    this.feel(-0.3);
    const defect: Defect = {
      code: rng.pick(p.product.defectCodes),
      description: `${p.product.name}: reported fault`,
      cause: rng.weighted(CAUSES, CAUSE_WEIGHTS),
    };
    const route = rng.next();
    if (route < 0.65) {
      this.after(rng.uniform(0, 3), () => this.fileClaim(p, defect));
    } else if (route < 0.87) {
      this.complain({
        category: 'product_defect',
        purchase: p,
        severity: rng.pick(SEVERITIES),
        remedySought: rng.pick(['repair', 'replacement', 'refund'] as const),
      });
      this.after(rng.uniform(0.5, 5), () => this.fileClaim(p, defect));
    } else {
      // Fixed outside warranty: a paid repair, or goodwill after a complaint.
      const goodwill = rng.chance(0.3);
      if (goodwill) this.complain({ category: 'product_defect', purchase: p, severity: 'medium' });
      this.after(rng.uniform(2, 20), () =>
        this.repair(
          p,
          defect.code,
          goodwill ? 'goodwill' : 'customer',
          round2(p.price * rng.uniform(0.08, 0.4)),
        ),
      );
    }
    if (occurrence < 4 && rng.chance(0.22 * this.repeatDefectFactor)) {
      this.after(rng.uniform(30, 400), () => this.defect(p, occurrence + 1));
    }
  }

  private repair(
    p: PurchaseSim,
    defectCode: string,
    paidBy: 'customer' | 'warranty' | 'goodwill',
    cost: number,
    warrantyClaimId?: string,
  ): string | undefined {
    if (p.serialNumber === undefined) return undefined;
    const repairId = this.id();
    const ok = this.customerCommand({
      type: 'RecordRepair',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        repairId,
        purchaseId: p.purchaseId,
        serialNumber: p.serialNumber,
        paidBy,
        cost,
        defectCode,
        ...(warrantyClaimId !== undefined ? { warrantyClaimId } : {}),
      },
    });
    if (!ok) return undefined;
    if (paidBy === 'customer') this.feel(-0.25);
    return repairId;
  }

  private fileClaim(p: PurchaseSim, defect: Defect): void {
    if (p.refunded || p.serialNumber === undefined || this.state.status !== 'active') return;
    const rng = this.rng;
    const snapshot = this.state.purchases[p.purchaseId];
    if (!snapshot) return;
    const claimId = this.id();
    const repairCost = round2(p.price * rng.uniform(0.08, 0.45));
    const remedyRequested: WarrantyRemedy | undefined = rng.chance(0.15)
      ? 'refund'
      : rng.chance(0.12)
        ? 'replace'
        : undefined;
    const prior = this.priorClaimsBySerial.get(p.serialNumber) ?? [];
    const claim: ClaimSim = {
      stream: { streamId: warrantyClaimStreamId(claimId), events: [], commands: [] },
      state: initialWarrantyClaimState(),
      purchase: p,
      prior: { claimId, filedAt: iso(this.now), outcome: 'needs_review', defectCode: defect.code },
      repairCost,
    };
    const ok = this.claimCommand(
      claim,
      {
        type: 'FileWarrantyClaim',
        data: {
          claimId,
          customerId: this.customerId,
          occurredAt: iso(this.now),
          purchaseId: p.purchaseId,
          serialNumber: p.serialNumber,
          defect,
          evidence: {
            proofOfPurchase: rng.chance(0.93),
            ...(rng.chance(0.5) ? { photos: [`photo-${rng.hex(8)}`] } : {}),
          },
          ...(rng.chance(0.6) ? { claimedAmount: repairCost } : {}),
          ...(remedyRequested !== undefined ? { remedyRequested } : {}),
          purchase: {
            purchaseId: snapshot.purchaseId,
            customerId: this.customerId,
            sku: snapshot.sku,
            productCategory: snapshot.productCategory,
            ...(snapshot.serialNumber !== undefined ? { serialNumber: snapshot.serialNumber } : {}),
            price: snapshot.price,
            currency: snapshot.currency,
            purchasedAt: snapshot.purchasedAt,
            deliveredAt: snapshot.deliveredAt,
            warrantyPolicyId: snapshot.warranty.warrantyPolicyId,
          },
          // Copies: later overrides change the outcome in effect, not facts already recorded.
          priorClaims: prior.map((c) => ({ ...c })),
          policyVersions: this.world.policyVersions[snapshot.warranty.warrantyPolicyId] ?? [],
          jurisdiction: this.region.jurisdiction,
          decidedBy: { kind: 'system' },
        },
      },
      'system:warranty-engine',
    );
    if (!ok) return;
    this.claims.push(claim);
    const outcome = claim.state.status === 'none' ? 'needs_review' : claim.state.outcome;
    claim.prior.outcome = outcome ?? 'needs_review';
    prior.push(claim.prior);
    this.priorClaimsBySerial.set(p.serialNumber, prior);

    if (outcome === 'approved') {
      this.feel(0.1);
      this.after(rng.logNormal(6, 0.7), () => this.fulfil(claim, defect.code));
    } else if (outcome === 'rejected') {
      this.feel(-0.8);
      this.afterRejection(claim, defect);
    } else {
      this.feel(-0.15);
      this.after(rng.logNormal(5, 0.8), () => {
        const approve = rng.chance(0.6);
        if (
          this.override(
            claim,
            approve,
            approve ? 'Reviewed: defect confirmed' : 'Reviewed: not covered',
          )
        ) {
          if (approve) {
            this.feel(0.1);
            this.after(rng.logNormal(5, 0.7), () => this.fulfil(claim, defect.code));
          } else {
            this.feel(-0.7);
            this.afterRejection(claim, defect);
          }
        }
      });
    }
  }

  private afterRejection(claim: ClaimSim, defect: Defect): void {
    const rng = this.rng;
    const p = claim.purchase;
    const r = rng.next();
    if (r < 0.3) {
      this.complain({
        category: 'warranty',
        purchase: p,
        severity: 'high',
        remedySought: 'repair',
        onResolved: (satisfied) => {
          if (
            satisfied &&
            rng.chance(0.35) &&
            this.override(claim, true, 'Goodwill after complaint')
          ) {
            this.after(rng.uniform(1, 10), () => this.fulfil(claim, defect.code));
          }
        },
      });
    } else if (r < 0.75) {
      this.after(rng.uniform(3, 25), () =>
        this.repair(p, defect.code, 'customer', claim.repairCost),
      );
    }
  }

  private override(claim: ClaimSim, approve: boolean, justification: string): boolean {
    const state = claim.state;
    if (state.status === 'none') return false;
    const remedy: WarrantyRemedy = state.remedy ?? 'repair';
    const coveredAmount = approve ? round2(Math.min(claim.repairCost, state.price)) : 0;
    const ok = this.claimCommand(
      claim,
      {
        type: 'OverrideWarrantyDecision',
        data: {
          claimId: state.claimId,
          occurredAt: iso(this.now),
          agentId: `agent-${this.rng.int(1, 40)}`,
          justification,
          outcome: approve ? 'approved' : 'rejected',
          remedy: approve ? remedy : null,
          coveredAmount,
        },
      },
      `agent:${justification.startsWith('Goodwill') ? 'supervisor' : 'claims'}`,
    );
    if (ok) claim.prior.outcome = approve ? 'approved' : 'rejected';
    return ok;
  }

  private fulfil(claim: ClaimSim, defectCode: string): void {
    const state = claim.state;
    if (state.status !== 'decided' || state.outcome !== 'approved') return;
    const rng = this.rng;
    let reference: string | undefined;
    if (state.remedy === 'repair') {
      reference = this.repair(
        claim.purchase,
        defectCode,
        'warranty',
        claim.repairCost,
        state.claimId,
      );
    } else if (state.remedy === 'replace') {
      reference = `RPL-${rng.hex(10)}`;
    } else {
      reference = `RF-${rng.hex(10)}`;
    }
    const ok = this.claimCommand(
      claim,
      {
        type: 'FulfilWarrantyClaim',
        data: {
          claimId: state.claimId,
          occurredAt: iso(this.now),
          ...(reference !== undefined ? { reference } : {}),
        },
      },
      'system:seed',
    );
    if (ok) this.feel(0.15);
  }

  // -------------------------------------------------------------------------------------------
  // Complaints and feedback
  // -------------------------------------------------------------------------------------------

  private randomComplaint(): void {
    const rng = this.rng;
    // Fewer contacts once a customer has drifted away.
    if (this.alive || rng.chance(0.4)) {
      this.complain({
        category: rng.weighted(['billing', 'service', 'other'] as const, [0.5, 0.35, 0.15]),
        severity: rng.weighted(SEVERITIES, [0.45, 0.35, 0.15, 0.05]),
        remedySought: rng.weighted(
          ['explanation', 'partial_refund', 'apology', 'compensation'] as const,
          [0.4, 0.25, 0.2, 0.15],
        ),
      });
    }
    this.after(rng.exponential(365.25 / P.randomComplaintsPerYear), () => this.randomComplaint());
  }

  private complain(options: {
    category: ComplaintCategory;
    severity: ComplaintSeverity;
    purchase?: PurchaseSim;
    remedySought?: ComplaintRemedy;
    onResolved?: ComplaintSim['onResolved'];
  }): void {
    const rng = this.rng;
    const complaint: ComplaintSim = {
      complaintId: this.id(),
      severity: options.severity,
      remedySought:
        options.remedySought ?? rng.pick(['repair', 'replacement', 'refund', 'apology'] as const),
      filedAt: this.now,
      acknowledgedAt: 0,
      resolved: false,
      reopenings: 0,
      onResolved: options.onResolved,
    };
    const ok = this.customerCommand({
      type: 'FileComplaint',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        complaintId: complaint.complaintId,
        ...(options.purchase ? { purchaseId: options.purchase.purchaseId } : {}),
        category: options.category,
        severity: options.severity,
        channel: rng.weighted(CONTACT_CHANNELS, CONTACT_CHANNEL_WEIGHTS),
        remedySought: complaint.remedySought,
      },
    });
    if (!ok) return;
    this.openComplaints++;
    this.organic(
      options.category === 'product_defect' || options.category === 'installation'
        ? 'product_complaint'
        : 'complaint',
    );
    this.feel(-0.15);
    // Handling quality varies complaint by complaint: most are answered within hours, a long tail
    // waits for days. Critical ones are picked up faster.
    const urgency = options.severity === 'critical' ? 0.4 : options.severity === 'high' ? 0.7 : 1;
    const ackHours = rng.logNormal(9 * urgency, 1.1);
    this.at(this.now + ackHours * HOUR, () => this.acknowledge(complaint));
  }

  private acknowledge(c: ComplaintSim): void {
    const rng = this.rng;
    const ok = this.customerCommand(
      {
        type: 'AcknowledgeComplaint',
        data: {
          customerId: this.customerId,
          occurredAt: iso(this.now),
          complaintId: c.complaintId,
          agentId: `agent-${rng.int(1, 40)}`,
        },
      },
      'agent:service',
    );
    if (!ok) return;
    c.acknowledgedAt = this.now;
    const waitedHours = (this.now - c.filedAt) / HOUR;
    if (waitedHours < 24) this.feel(0.05);
    else if (waitedHours > 72) this.feel(-0.35);
    this.workOn(c, waitedHours > 72);
  }

  /** Escalations (if any) come first, then the resolution. */
  private workOn(c: ComplaintSim, slowSoFar: boolean): void {
    const rng = this.rng;
    const escalationChance =
      0.07 +
      (slowSoFar ? 0.2 : 0) +
      (c.severity === 'high' || c.severity === 'critical' ? 0.12 : 0) +
      (c.reopenings > 0 ? 0.15 : 0);
    let t = this.now;
    let escalations = 0;
    while (escalations < 3 && rng.chance(escalations === 0 ? escalationChance : 0.2)) {
      escalations++;
      t += rng.uniform(0.3, 5) * DAY;
      const reason = rng.pick(ESCALATION_REASONS);
      this.at(t, () => this.escalate(c, reason));
    }
    const resolveDays = rng.logNormal(3 * (1 + escalations), 0.9);
    this.at(t + resolveDays * DAY, () => this.resolve(c));
  }

  private escalate(c: ComplaintSim, reason: string): void {
    if (c.resolved) return;
    const ok = this.customerCommand(
      {
        type: 'EscalateComplaint',
        data: {
          customerId: this.customerId,
          occurredAt: iso(this.now),
          complaintId: c.complaintId,
          reason,
        },
      },
      'agent:service',
    );
    if (ok) this.feel(-0.3);
  }

  private resolve(c: ComplaintSim): void {
    if (c.resolved) return;
    const rng = this.rng;
    const matched = rng.chance(0.65);
    const remedyGiven: ComplaintRemedy = matched ? c.remedySought : rng.pick(COMPLAINT_REMEDIES);
    const ok = this.customerCommand(
      {
        type: 'ResolveComplaint',
        data: {
          customerId: this.customerId,
          occurredAt: iso(this.now),
          complaintId: c.complaintId,
          resolution: rng.pick(RESOLUTIONS),
          remedyGiven,
        },
      },
      'agent:service',
    );
    if (!ok) return;
    c.resolved = true;
    this.openComplaints--;
    const days = (this.now - c.filedAt) / DAY;
    const speed = days < 3 ? 0.3 : days < 7 ? 0.1 : days < 14 ? -0.1 : days < 30 ? -0.4 : -0.7;
    const remedyFit = remedyGiven === c.remedySought ? 0.15 : -0.2;
    this.feel(speed + remedyFit);
    const satisfied = speed + remedyFit > 0;
    if (c.onResolved) {
      const callback = c.onResolved;
      c.onResolved = undefined;
      callback(satisfied);
    }
    if (c.reopenings < 2 && rng.chance(satisfied ? 0.06 : 0.2)) {
      this.after(rng.uniform(1, 20), () => this.reopen(c));
    } else if (rng.chance(0.4)) {
      this.after(rng.uniform(0.5, 5), () => this.feedback({ complaintId: c.complaintId }));
    }
  }

  private reopen(c: ComplaintSim): void {
    const ok = this.customerCommand({
      type: 'ReopenComplaint',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        complaintId: c.complaintId,
        reason: this.rng.pick(REOPEN_REASONS),
      },
    });
    if (!ok) return;
    c.resolved = false;
    this.openComplaints++;
    c.reopenings++;
    this.feel(-0.5);
    this.workOn(c, true);
  }

  /** Scores are noisy readings of the latent experience through the customer's own harshness. */
  private feedback(about: { purchaseId?: string; complaintId?: string }): void {
    const rng = this.rng;
    const felt = this.experienceAt_(this.now) + this.harshness + rng.normal(0, 0.9);
    let nps = rng.chance(0.85) ? clamp(Math.round(7 + 1.9 * felt), 0, 10) : undefined;
    const csat = rng.chance(0.7)
      ? clamp(Math.round(3.7 + 0.9 * felt + rng.normal(0, 0.4)), 1, 5)
      : undefined;
    const ces = rng.chance(0.45)
      ? clamp(Math.round(3 - felt + rng.normal(0, 0.8)), 1, 7)
      : undefined;
    if (nps === undefined && csat === undefined && ces === undefined)
      nps = clamp(Math.round(7 + 1.9 * felt), 0, 10);
    const comment = rng.chance(0.2)
      ? rng.pick(felt > 0.8 ? GOOD_COMMENTS : felt > -0.5 ? MIXED_COMMENTS : BAD_COMMENTS)
      : undefined;
    this.customerCommand({
      type: 'RecordFeedback',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        feedbackId: this.id(),
        ...(nps !== undefined ? { nps } : {}),
        ...(csat !== undefined ? { csat } : {}),
        ...(ces !== undefined ? { ces } : {}),
        ...(comment !== undefined ? { comment } : {}),
        ...(about.purchaseId !== undefined ? { purchaseId: about.purchaseId } : {}),
        ...(about.complaintId !== undefined ? { complaintId: about.complaintId } : {}),
        channel: rng.pick(['email', 'web', 'phone'] as const),
      },
    });
    if (nps !== undefined && nps >= 9) this.organic('promoter');
  }

  // -------------------------------------------------------------------------------------------
  // Referrals, plans, erasure
  // -------------------------------------------------------------------------------------------

  private refer(): void {
    const referred = this.world.referralCandidate(this.now, 45 * DAY, this.index, this.rng);
    if (referred === undefined || this.state.status !== 'active') return;
    if (this.state.referredCustomerIds[referred]) return;
    this.customerCommand({
      type: 'RecordReferral',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        referralId: this.id(),
        referredCustomerId: referred,
        channel: this.rng.pick(['email', 'social', 'web'] as const),
      },
    });
  }

  private subscribePlan(p: PurchaseSim): void {
    if (p.refunded) return;
    const rng = this.rng;
    const yearly = rng.chance(0.4);
    const planId = this.id();
    const ok = this.customerCommand({
      type: 'SubscribeMaintenancePlan',
      data: {
        customerId: this.customerId,
        occurredAt: iso(this.now),
        planId,
        purchaseId: p.purchaseId,
        price: round2(p.price * (yearly ? 0.08 : 0.008)),
        currency: p.currency,
        billingPeriod: yearly ? 'yearly' : 'monthly',
      },
    });
    if (!ok) return;
    if (rng.chance(0.35)) {
      this.after(rng.exponential(365), () =>
        this.customerCommand({
          type: 'CancelMaintenancePlan',
          data: {
            customerId: this.customerId,
            occurredAt: iso(this.now),
            planId,
            reason:
              this.experienceAt_(this.now) < -0.5 ? 'Unhappy with service' : 'No longer needed',
          },
        }),
      );
    }
  }

  private erase(): void {
    const ok = this.customerCommand({
      type: 'EraseCustomerPii',
      data: { customerId: this.customerId, occurredAt: iso(this.now), requestedBy: 'customer' },
    });
    if (!ok) return;
    // Nothing is recorded about an erased customer any more.
    this.erased = true;
    this.queue.clear();
  }
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
