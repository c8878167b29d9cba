import {
  EVENT_SCHEMA_VERSIONS,
  decideCustomer,
  decideWarrantyClaimCommand,
  evolveCustomer,
  evolveWarrantyClaim,
  initialCustomerState,
  isDomainError,
  customerStreamId,
} from '@aftercare/domain';
import type {
  AftercareEvent,
  CustomerCommand,
  CustomerSegment,
  CustomerState,
  RetentionAction,
  PriorClaim,
  WarrantyClaimCommand,
  WarrantyPolicyVersion,
} from '@aftercare/domain';
import { ActionQueue } from './action-queue';
import type { ActionTarget, OrganicTrigger } from './actions.simulation';
import { applyRetentionAction, organicActions, type ActionOptions } from './actions.simulation';
import { FIRST_NAMES, LAST_NAMES, REGIONS, REGION_WEIGHTS } from './catalogue';
import { randomComplaint } from './complaints.simulation';
import { experienceAt, liftExperience, sootheGrievance } from './experience.simulation';
import type { Prng } from './prng';
import type { ResolvedBadBatch } from './supplier-batches';
import { purchase } from './purchases.simulation';
import { DAY, iso } from './simulation.units';
import { customerTruth } from './truth.simulation';
import type { ClaimSim } from './warranty.simulation';
import type { CommandRefusal, CustomerTruth, DecidedCommand, SimulatedEvent } from './world.model';
import { WORLD_PARAMETERS as P } from './world.model';
import {
  SALES_CHANNELS,
  SALES_CHANNEL_WEIGHTS,
  SEGMENTS,
  SEGMENT_WEIGHTS,
} from './simulation.vocabulary';

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
  /** The planted bad supplier batch, if any. */
  badBatch: ResolvedBadBatch | undefined;
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

/**
 * One customer's life as a discrete-event simulation. Every change goes through the domain:
 * build a command, `decide` on the state folded so far, `evolve` with the events, keep them. The
 * latent side (purchase rate, dropout, experience) lives here and only leaks into the history
 * through what the customer does, so models have to infer it.
 *
 * This class holds the life's state, its clock and its way into the domain (the deciders); the
 * journeys are functions over it, one file per concern: purchases.simulation.ts (buying,
 * delivery, setup, returns, plans, referrals), warranty.simulation.ts (defects, repairs, claims),
 * complaints.simulation.ts (complaints, feedback), experience.simulation.ts (the latent
 * experience and stopping), actions.simulation.ts (retention actions), truth.simulation.ts (the
 * ground truth written beside the events). Its fields are open to those files and to nothing
 * else: the class is not exported from the library.
 */
export class CustomerSimulation implements ActionTarget {
  private readonly queue = new ActionQueue();
  now = 0;
  /**
   * Draws for retention actions (organic ones and their effects), apart from the life's own: at
   * action strength 0 a customer acted on lives exactly the life they would have without it.
   */
  readonly actionRng: Prng;
  state: CustomerState = initialCustomerState();
  readonly customer: SimulatedStream;
  readonly claims: ClaimSim[] = [];
  readonly priorClaimsBySerial = new Map<string, PriorClaim[]>();
  readonly refusals: CustomerHistory['refusals'] = [];

  // Latent traits
  readonly ratePerYear: number;
  readonly dropoutP: number;
  readonly sensitivity: number;
  /** --experience-effect x sensitivity: 0 cuts every link from experience to stopping. */
  readonly strength: number;
  readonly baseline: number;
  /** How harshly this customer scores feedback compared to how they feel. */
  readonly harshness: number;
  /** Some customers are unlucky with couriers (where they live). */
  readonly deliveryRisk: number;
  readonly segment: CustomerSegment;
  readonly region: (typeof REGIONS)[number];

  // Latent state
  alive = true;
  lastBadIncidentAt: number | null = null;
  openComplaints = 0;
  /** Multiplies the chance that a defect comes back (a maintenance plan lowers it). */
  repeatDefectFactor = 1;
  revenue = 0;
  stoppedAt: number | null = null;
  stopCause: CustomerTruth['stopCause'] = null;
  experience: number;
  /** When `experience` was last set (it fades from there). */
  experienceSince: number;
  worstExperience: number;
  badIncidents = 0;
  /** Bad incidents' sizes, fading with the experience half-life (with effect > 0 only). */
  grievance = 0;
  grievanceAt = 0;
  /** Invalidates a scheduled hazard exit once a later incident has redrawn it. */
  hazardDraw = 0;
  /** The Exp(1) draw behind the pending hazard exit, so a soothed grievance can delay it. */
  hazardE = 0;
  purchases = 0;
  lastPurchaseAt: number | null = null;
  erased = false;

  constructor(
    readonly world: WorldContext,
    readonly rng: Prng,
    readonly index: number,
    readonly customerId: string,
    readonly signupAt: number,
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
    this.experienceSince = signupAt;
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
    return customerTruth(this);
  }

  // -------------------------------------------------------------------------------------------
  // Plumbing: the clock, the deciders
  // -------------------------------------------------------------------------------------------

  /** Schedules an action; nothing happens at or after the end of the period. */
  at(when: number, run: () => void): void {
    const t = Math.round(when / 1000) * 1000;
    if (t < this.world.toMs && !this.erased) this.queue.push(Math.max(t, this.now), run);
  }

  after(days: number, run: () => void): void {
    this.at(this.now + days * DAY, run);
  }

  /** Decides a customer command on the current state; returns false when the domain refuses. */
  customerCommand(command: CustomerCommand, actor = 'system:seed', rng: Prng = this.rng): boolean {
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

  claimCommand(claim: ClaimSim, command: WarrantyClaimCommand, actor: string): boolean {
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

  experienceNow(): number {
    return experienceAt(this, this.now);
  }

  /** An action's turn in how the customer feels (experience.simulation.ts). */
  lift(delta: number): void {
    liftExperience(this, delta);
  }

  /** Takes `fraction` off the grievance now (experience.simulation.ts). */
  soothe(fraction: number): void {
    sootheGrievance(this, fraction);
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
  organic(trigger: OrganicTrigger, purchase?: { price: number; hasSerial: boolean }): void {
    for (const planned of organicActions(trigger, this.world.actions, this.actionRng, purchase)) {
      this.after(planned.afterDays, () => {
        if (this.registered) this.act(planned.action, planned.reason, 'agent:organic');
      });
    }
  }

  stop(cause: NonNullable<CustomerTruth['stopCause']>): void {
    this.alive = false;
    this.stoppedAt = this.now;
    this.stopCause = cause;
    if (this.rng.chance(P.erasureAfterDropoutRate)) {
      this.after(this.rng.uniform(60, 500), () => this.erase());
    }
  }

  id(): string {
    return this.rng.uuid();
  }

  get currency(): string {
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
    this.after(rng.exponential(0.5), () => purchase(this));
    this.after(rng.exponential(365.25 / P.randomComplaintsPerYear), () => randomComplaint(this));
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
