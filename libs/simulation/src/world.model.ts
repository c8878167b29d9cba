import type { BadBatchOption } from './supplier-batches';
import type {
  CustomerCommand,
  WarrantyClaimCommand,
  WarrantyPolicyCommand,
} from '@aftercare/domain';

/**
 * An event ready to append. The same shape as the event store's `EventToAppend`, written out so
 * the simulation stays a pure library that knows nothing of stores.
 */
export type SimulatedEvent = {
  id: string;
  type: string;
  data: unknown;
  metadata: {
    schemaVersion: number;
    correlationId?: string;
    actor?: string;
    [key: string]: unknown;
  };
};

/** What a simulated world is made from. Same options, same world. */
export type WorldOptions = {
  customers: number;
  /** Any string; the same seed gives the same history, event ids included. */
  seed: string;
  /** Start of the simulated period (ISO instant). */
  from: string;
  /** End of the simulated period, exclusive (ISO instant): nothing happens at or after it. */
  to: string;
  /**
   * How strongly bad service experience makes customers stop buying. It multiplies every link
   * from experience to stopping (the lasting hazard, the next-purchase dropout odds, the rare
   * on-the-spot exit; see WORLD_PARAMETERS). 0: no link at all (dropout is pure BG/NBD); 1: the
   * default; 2: twice as strong.
   */
  experienceEffect: number;
  /**
   * How strongly retention actions change outcomes (see RETENTION_ACTION_EFFECTS in
   * actions.simulation.ts): 0, actions do nothing; 1, the default; 2, twice as strong.
   */
  actionEffect?: number;
  /**
   * How often agents take retention actions unprompted (0..1; see organicActions): the history
   * the next-best-action model learns from. 0 (the default) leaves the world as it always was.
   */
  organicActions?: number;
  /**
   * Agents promise each acknowledged complaint's resolution within 7 days, kept or broken as the
   * complaint went (promises.simulation.ts), so promise lists and kept rates have data after a
   * seed. Off by default: the default world stays as it was.
   */
  promises?: boolean;
  /**
   * Plant a bad supplier batch: from a date, one SKU's line-A units (until their half-year lot
   * ends) are `factor` times as likely to develop a defect, the extra defects all of one code
   * (supplier-batches.ts). Absent (the default): every batch is as good as its SKU.
   */
  badBatch?: BadBatchOption;
  /** Attach the commands behind each stream's events to its batches (tests). */
  recordCommands?: boolean;
  /** Largest append; longer customer streams are appended in several batches. */
  maxBatchEvents?: number;
};

export const DEFAULT_WORLD_OPTIONS = {
  customers: 10_000,
  seed: '1',
  from: '2022-01-01T00:00:00.000Z',
  to: '2025-01-01T00:00:00.000Z',
  experienceEffect: 1,
  actionEffect: 1,
  organicActions: 0,
  promises: false,
  maxBatchEvents: 1000,
} as const;

/** Population parameters (not options: fixed so worlds of different seeds are comparable). */
export const WORLD_PARAMETERS = {
  /** Latent purchase rate per year ~ Gamma(shape r, rate alpha); mean r / alpha. */
  purchaseRate: { shape: 1.2, ratePerYear: 0.4 },
  /** Probability of dropping out after each purchase ~ Beta(a, b); mean a / (a + b). */
  dropout: { a: 1.1, b: 4 },
  /** Customers sign up in the first share of the period. */
  signupShare: 0.8,
  /** Experience decays towards the customer's baseline with this half-life. */
  experienceHalfLifeDays: 180,
  /**
   * How much one customer's stopping reacts to experience, ~ Gamma(shape, rate), mean 1
   * (coefficient of variation 1/sqrt(shape) = 0.5). It multiplies --experience-effect.
   */
  experienceSensitivity: { shape: 4, rate: 4 },
  /**
   * The main link, a lasting hazard: while alive, a customer stops buying at a daily hazard of
   * effect x sensitivity x this (per year) x the current experience deficit (how far experience
   * is below the customer's own baseline; it decays back with experienceHalfLifeDays). A deficit
   * of 0.5 (a failed setup, or a late delivery followed by a complaint) adds 0.3 a year while
   * fresh, about the baseline churn hazard of an active customer: it roughly doubles it.
   */
  experienceHazardPerYear: 0.6,
  /**
   * Log-multiplier of the per-purchase dropout odds per unit of bad experience level (x effect x
   * sensitivity): at the next purchase a customer who feels bad is more likely to make it the last.
   */
  dropoutPerBadExperience: 1.2,
  /** Log-multiplier reduction per unit of good experience (x effect x sensitivity). */
  retentionPerGoodExperience: 0.3,
  /** Chance of leaving on the spot per unit of a bad incident (x effect x sensitivity): rare. */
  immediateDropoutPerIncident: 0.05,
  lateDeliveryRate: 0.09,
  failedDeliveryRate: 0.025,
  returnRate: 0.035,
  randomComplaintsPerYear: 0.12,
  maintenancePlanRate: 0.07,
  erasureAfterDropoutRate: 0.015,
} as const;

/** A command the domain decided, and where its events landed in their stream. */
export type DecidedCommand = {
  command: CustomerCommand | WarrantyClaimCommand | WarrantyPolicyCommand;
  /** Revision of the first event it produced. */
  revision: number;
  eventCount: number;
};

/** Ground truth about one simulated customer: never in the store. */
export type CustomerTruth = {
  customerId: string;
  signedUpAt: string;
  jurisdiction: string;
  segment: string;
  /** Latent purchase rate, purchases per year while alive. */
  purchaseRatePerYear: number;
  /** Latent BG/NBD dropout probability after each purchase (before experience). */
  dropoutProbability: number;
  /** How much this customer's stopping reacts to experience (multiplies --experience-effect). */
  experienceSensitivity: number;
  /** The moment they stopped buying, or null when still alive at the end of the period. */
  stoppedAt: string | null;
  /**
   * 'purchase': dropout right after a purchase (BG/NBD, its odds moved by experience);
   * 'experience': the lasting hazard of a recent experience deficit, some time after the
   * incidents; 'incident': on the spot, at a bad incident (rare). Never 'experience' or
   * 'incident' with --experience-effect 0.
   */
  stopCause: 'purchase' | 'experience' | 'incident' | null;
  purchases: number;
  lastPurchaseAt: string | null;
  /**
   * Latent service experience when they stopped (or at the end): about -3 (awful) to +2
   * (delighted), 0 neutral. Feedback scores are noisy readings of it.
   */
  experienceScore: number;
  /** Lowest experience reached. */
  worstExperienceScore: number;
  /** Number of bad incidents (late delivery, failed setup, slow complaint handling, ...). */
  badIncidents: number;
  events: number;
  warrantyClaims: number;
};

/** One append: a stream, its events and the expected revision that makes it deterministic. */
export type WorldBatch = {
  streamId: string;
  events: SimulatedEvent[];
  /** The stream's revision before this append (0-based), or no_stream for its first. */
  expectedRevision: 'no_stream' | bigint;
  /** With recordCommands, on the last batch of each stream: the commands behind the stream. */
  commands?: DecidedCommand[];
  /** On the last batch of each customer's history (customer stream and claims). */
  truth?: CustomerTruth;
  /** Commands the domain refused while simulating this customer: a simulation bug if present. */
  refusals?: CommandRefusal[];
};

export type CommandRefusal = { command: string; code: string; message: string };
