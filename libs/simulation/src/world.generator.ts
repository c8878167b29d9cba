import {
  EVENT_SCHEMA_VERSIONS,
  GENESIS_HASH,
  chainEvents,
  decideWarrantyPolicy,
  evolveWarrantyPolicy,
  initialWarrantyPolicyState,
  warrantyPolicyStreamId,
} from '@aftercare/domain';
import type { PublishWarrantyPolicy, WarrantyPolicyVersion } from '@aftercare/domain';
import { complaintPromises } from './promises.simulation';
import { POLICIES, PRODUCTS } from './catalogue';
import { CustomerSimulation } from './customer.simulation';
import type { CustomerHistory, SimulatedStream, WorldContext } from './customer.simulation';
import { Prng } from './prng';
import { type BadBatchOption, resolveBadBatch } from './supplier-batches';
import type { DecidedCommand, SimulatedEvent, WorldBatch, WorldOptions } from './world.model';
import { DEFAULT_WORLD_OPTIONS, WORLD_PARAMETERS } from './world.model';

const DAY = 86_400_000;

export type ResolvedWorldOptions = Required<Omit<WorldOptions, 'recordCommands' | 'badBatch'>> & {
  recordCommands: boolean;
  badBatch?: BadBatchOption;
};

export function resolveWorldOptions(options: Partial<WorldOptions> = {}): ResolvedWorldOptions {
  const resolved = {
    ...DEFAULT_WORLD_OPTIONS,
    recordCommands: false,
    ...withoutUndefined(options),
  };
  const from = Date.parse(resolved.from);
  const to = Date.parse(resolved.to);
  if (!Number.isInteger(resolved.customers) || resolved.customers < 0) {
    throw new RangeError(`customers must be a whole number >= 0, got ${resolved.customers}`);
  }
  if (Number.isNaN(from) || Number.isNaN(to) || from >= to) {
    throw new RangeError(
      `The period must be two dates, from before to: ${resolved.from} .. ${resolved.to}`,
    );
  }
  if (!Number.isFinite(resolved.experienceEffect) || resolved.experienceEffect < 0) {
    throw new RangeError(`experienceEffect must be >= 0, got ${resolved.experienceEffect}`);
  }
  if (!Number.isFinite(resolved.actionEffect) || resolved.actionEffect < 0) {
    throw new RangeError(`actionEffect must be >= 0, got ${resolved.actionEffect}`);
  }
  if (
    !Number.isFinite(resolved.organicActions) ||
    resolved.organicActions < 0 ||
    resolved.organicActions > 1
  ) {
    throw new RangeError(`organicActions must be between 0 and 1, got ${resolved.organicActions}`);
  }
  if (!Number.isInteger(resolved.maxBatchEvents) || resolved.maxBatchEvents < 1) {
    throw new RangeError(
      `maxBatchEvents must be a whole number >= 1, got ${resolved.maxBatchEvents}`,
    );
  }
  if (resolved.badBatch !== undefined) resolveBadBatch(resolved.badBatch);
  // Normalised to ISO instants, so '2024-01-01' and '2024-01-01T00:00:00Z' are the same world.
  return { ...resolved, from: new Date(from).toISOString(), to: new Date(to).toISOString() };
}

/** The first record of a truth file: how the world was made. */
export function worldHeader(options: ResolvedWorldOptions) {
  return {
    kind: 'header' as const,
    generator: 'aftercare seed',
    formatVersion: 1,
    options: {
      customers: options.customers,
      seed: options.seed,
      from: options.from,
      to: options.to,
      experienceEffect: options.experienceEffect,
      ...(options.organicActions > 0
        ? { actionEffect: options.actionEffect, organicActions: options.organicActions }
        : {}),
      ...(options.promises ? { promises: true } : {}),
      ...(options.badBatch
        ? { badBatch: { ...options.badBatch, ...namedBadBatch(options.badBatch) } }
        : {}),
    },
    parameters: WORLD_PARAMETERS,
    policies: POLICIES.map((p) => ({ policyId: p.policyId, versions: p.versions.length })),
    products: PRODUCTS.map((p) => ({ sku: p.sku, category: p.category, defectRate: p.defectRate })),
  };
}

/** The planted batch's name and defect code, for the truth file's header. */
function namedBadBatch(option: BadBatchOption) {
  const { supplierBatch, defectCode } = resolveBadBatch(option);
  return { supplierBatch, defectCode };
}

/**
 * The simulated world as appends, in the order they should be made: warranty policies first,
 * then each customer (in sign-up order) with their customer stream and their warranty claim
 * streams. Deterministic: the same options give the same batches, event ids included.
 *
 * Synchronous and lazy: one customer is simulated per step, so memory stays flat. Works with
 * `for ... of` and `for await ... of`.
 */
export function* generateWorld(options: Partial<WorldOptions> = {}): Generator<WorldBatch> {
  const o = resolveWorldOptions(options);
  const world = prepareWorld(o);
  yield* world.policyBatches;
  for (let k = 0; k < o.customers; k++) yield* world.customerBatches(k);
}

/** The world before anyone lives in it: policies published, who signs up when. */
export type PreparedWorld = {
  policyBatches: WorldBatch[];
  /** Customer indices in sign-up order. */
  order: number[];
  customerIds: string[];
  /** A fresh simulation of customer i (the same life each time). */
  customer(i: number): CustomerSimulation;
  /**
   * The appends of the k-th customer to sign up, lived from scratch: their stream, their
   * promises, their claim streams. Customers are independent, so any k can be asked for, in any
   * order or thread, and gives the same batches.
   */
  customerBatches(k: number): WorldBatch[];
};

export function prepareWorld(o: ResolvedWorldOptions): PreparedWorld {
  const fromMs = Date.parse(o.from);
  const toMs = Date.parse(o.to);
  const root = Prng.fromSeed(o.seed);

  const policyVersions: Record<string, WarrantyPolicyVersion[]> = {};
  const batches: WorldBatch[] = [];
  for (const batch of policyBatches(root.fork(0x7fff_ffff), fromMs, toMs, o.recordCommands)) {
    policyVersions[batch.policyId] = batch.versions;
    batches.push(batch.batch);
  }

  // The population: who signs up when. Drawn up front so referrals can point at later customers.
  const population = root.fork(0);
  const n = o.customers;
  const signupSpan = (toMs - fromMs) * WORLD_PARAMETERS.signupShare;
  const ids: string[] = new Array(n);
  const signups = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    ids[i] = population.uuid();
    signups[i] = Math.round((fromMs + population.next() * signupSpan) / 1000) * 1000;
  }
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => signups[a] - signups[b] || a - b,
  );
  const sortedSignups = Float64Array.from(order, (i) => signups[i]);

  const world: WorldContext = {
    fromMs,
    toMs,
    experienceEffect: o.experienceEffect,
    recordCommands: o.recordCommands,
    policyVersions,
    referralCandidate(after, withinMs, self, rng) {
      const lo = upperBound(sortedSignups, after);
      const hi = upperBound(sortedSignups, after + withinMs);
      if (hi <= lo) return undefined;
      const candidate = order[rng.int(lo, hi - 1)];
      return candidate === self ? undefined : ids[candidate];
    },
    actions: { effect: o.actionEffect, organicRate: o.organicActions },
    badBatch: o.badBatch ? resolveBadBatch(o.badBatch) : undefined,
  };
  const customer = (i: number): CustomerSimulation =>
    new CustomerSimulation(world, root.fork(i + 1), i, ids[i], signups[i]);
  const promisesUntilMs = o.promises ? toMs : undefined;
  return {
    policyBatches: batches,
    order,
    customerIds: ids,
    customer,
    customerBatches: (k) =>
      customerBatches(customer(order[k]).run(), o.maxBatchEvents, promisesUntilMs),
  };
}

function customerBatches(
  history: CustomerHistory,
  maxBatchEvents: number,
  /** The end of the period, when agents' promises are simulated. */
  promisesUntilMs?: number,
): WorldBatch[] {
  const batches: WorldBatch[] = [...streamBatches(history.customer, maxBatchEvents)];
  if (promisesUntilMs !== undefined) {
    for (const promise of complaintPromises(history.customer, promisesUntilMs)) {
      batches.push(...streamBatches(promise, maxBatchEvents));
    }
  }
  for (const claim of history.claims) {
    // Warranty streams are hash-chained from their first event.
    const chained = { ...claim, events: chainEvents(GENESIS_HASH, claim.events) };
    batches.push(...streamBatches(chained, maxBatchEvents));
  }
  const last = batches[batches.length - 1];
  last.truth = history.truth;
  if (history.refusals.length > 0) last.refusals = history.refusals;
  return batches;
}

function* streamBatches(stream: SimulatedStream, maxBatchEvents: number): Generator<WorldBatch> {
  const { events } = stream;
  for (let start = 0; start < events.length; start += maxBatchEvents) {
    const end = Math.min(events.length, start + maxBatchEvents);
    const batch: WorldBatch = {
      streamId: stream.streamId,
      events: start === 0 && end === events.length ? events : events.slice(start, end),
      expectedRevision: start === 0 ? 'no_stream' : BigInt(start - 1),
    };
    if (end === events.length && stream.commands.length > 0) batch.commands = stream.commands;
    yield batch;
  }
}

/** Every version of every policy, through the policy decider, each policy as one append. */
function* policyBatches(
  rng: Prng,
  fromMs: number,
  toMs: number,
  recordCommands: boolean,
): Generator<{ policyId: string; versions: WarrantyPolicyVersion[]; batch: WorldBatch }> {
  for (const spec of POLICIES) {
    let state = initialWarrantyPolicyState();
    const events: SimulatedEvent[] = [];
    const commands: DecidedCommand[] = [];
    for (const version of spec.versions) {
      const effectiveMs = Math.floor((fromMs + version.effectiveAt * (toMs - fromMs)) / DAY) * DAY;
      const command: PublishWarrantyPolicy = {
        type: 'PublishWarrantyPolicy',
        data: {
          policyId: spec.policyId,
          version: version.version,
          effectiveFrom: new Date(effectiveMs).toISOString(),
          occurredAt: new Date(effectiveMs - 21 * DAY).toISOString(),
          name: spec.name,
          terms: version.terms,
          publishedBy: 'product-compliance',
        },
      };
      const decided = decideWarrantyPolicy(command, state);
      if (recordCommands)
        commands.push({ command, revision: events.length, eventCount: decided.length });
      const correlationId = rng.uuid();
      for (const event of decided) {
        state = evolveWarrantyPolicy(state, event);
        events.push({
          id: rng.uuid(),
          type: event.type,
          data: event.data,
          metadata: {
            schemaVersion: EVENT_SCHEMA_VERSIONS[event.type],
            correlationId,
            actor: 'system:seed',
          },
        });
      }
    }
    yield {
      policyId: spec.policyId,
      versions: state.versions,
      batch: {
        streamId: warrantyPolicyStreamId(spec.policyId),
        events,
        expectedRevision: 'no_stream',
        ...(recordCommands ? { commands } : {}),
      },
    };
  }
}

/** Index of the first element > x in an ascending array. */
function upperBound(values: Float64Array, x: number): number {
  let lo = 0;
  let hi = values.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (values[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
