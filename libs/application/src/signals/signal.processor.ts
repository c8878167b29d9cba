import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
  Optional,
} from '@nestjs/common';
import {
  CUSTOMER_STREAM_CATEGORY,
  customerStreamId,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
  WARRANTY_CLAIM_STREAM_CATEGORY,
} from '@aftercare/domain';
import type {
  EventStore,
  GlobalPosition,
  RecordedEvent,
  Subscription,
  SubscriptionMessage,
} from '@aftercare/event-store';
import {
  CLV_MODEL_FITTED,
  CLV_MODEL_STREAM_CATEGORY,
  type ClvModelFittedData,
  customerIdOf,
  evolveSatisfaction,
  initialSatisfaction,
  mainCurrency,
  type SatisfactionStateData,
} from '@aftercare/projections';
import { type ReadModelStore, TimeSlice, yieldToEventLoop } from '@aftercare/read-models';
import { LoopLease } from '../loops/loop-lease';
import { READ_MODEL_STORE } from '../projections/projections.tokens';
import { LoopTracker, RetryPolicy, superviseLoop } from '../loops/retry-policy';
import {
  type LoopStatus,
  type LoopStatusSource,
  RuntimeStatus,
} from '../projections/runtime-status';
import { EVENT_STORE } from '../store/event-store.module';
import {
  type CustomerSignalState,
  dueBreaches,
  initialCustomerSignals,
  nextTargetDeadline,
  type SignalToAppend,
  stepCustomerSignals,
  withSignalledBreaches,
} from './customer-signals';
import { DEFECT_SIGNAL_STREAM, signalStreamId } from './signal.events';
import { DefectSignalMonitor } from './defect-signals';
import { SIGNAL_SETTINGS, type SignalSettings } from './signal-settings';

/** The store checkpoint of the signal processor. */
export const SIGNALS_CHECKPOINT = 'signals';

/** A customer's streams besides their own, whose events change their satisfaction and churn. */
const SIDE_CATEGORIES = [
  WARRANTY_CLAIM_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
];
const SOURCE_CATEGORIES = [CUSTOMER_STREAM_CATEGORY, ...SIDE_CATEGORIES, CLV_MODEL_STREAM_CATEGORY];
const SIDE_PREFIXES = SIDE_CATEGORIES.map((category) => `${category}-`);
const CLV_MODEL_PREFIX = `${CLV_MODEL_STREAM_CATEGORY}-`;
const TIMEOUT = Symbol('timeout');

/**
 * Produces the lifecycle signals: a catch-up subscription over the customer, warranty and CLV
 * model categories from the durable checkpoint `signals`, folding each customer's state with the
 * projections' folds and appending the signals an event raises to `signal-<customerId>`. The
 * checkpoint is saved after each batch; signal ids derive from their cause, so events processed
 * again after a crash (appended, not yet checkpointed) write nothing twice.
 *
 * States are cached (LRU). On a miss the customer's state is rebuilt from its streams up to the
 * event at hand, and the breaches already signalled are read back from its signal stream. A sweep
 * on the wall clock (every AFTERCARE_SIGNALS_SWEEP_MS) finds complaint targets that pass while
 * nothing happens; it runs only once the processor has caught up with history.
 */
@Injectable()
export class SignalProcessor implements OnApplicationBootstrap, OnModuleDestroy, LoopStatusSource {
  private readonly logger = new Logger('Signals');
  private readonly cache: StateCache;
  /** CLV fits in the order recorded: each event is scored with the fit in force at its position. */
  private fits: { position: GlobalPosition; fit: ClvModelFittedData }[] = [];
  /** Claim, promise and task streams by customer: what a rebuild reads besides their own. */
  private sideStreams = new Map<string, Set<string>>();
  /** Earliest complaint deadline still to watch, by customer: what the sweep looks at. */
  private deadlines = new Map<string, number>();
  /** Units and defects by SKU and month: the defect early warning the sweep judges. */
  private readonly defects = new DefectSignalMonitor();
  /** Position of the last event applied. */
  private position: GlobalPosition | undefined;
  /** True while every customer ever seen is in the cache: a miss is then a new customer. */
  private complete = false;
  private caughtUpValue = false;
  private stopping = false;
  private loop: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private waiters: { position: GlobalPosition; resolve: () => void }[] = [];
  private readonly tracker = new LoopTracker('signals');
  private readonly policy: RetryPolicy;
  private abort = new AbortController();
  /** One instance processes signals: the holder of this lease; the others stand by. */
  private readonly lease: LoopLease;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SIGNAL_SETTINGS) private readonly settings: SignalSettings,
    @Optional() runtime?: RuntimeStatus,
    @Optional() @Inject(READ_MODEL_STORE) readModels?: ReadModelStore,
  ) {
    this.lease = new LoopLease(readModels, 'signals', settings.leaseTtlMs);
    this.cache = new StateCache(settings.cacheSize, () => (this.complete = false));
    this.policy = new RetryPolicy(settings.retryDelayMs, settings.maxRetryDelayMs);
    runtime?.register(this);
  }

  loopStatus(): LoopStatus {
    return this.tracker.status();
  }

  onApplicationBootstrap(): void {
    if (this.settings.enabled) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** True once everything the store held when the processor subscribed has been applied. */
  get caughtUp(): boolean {
    return this.caughtUpValue;
  }

  get checkpoint(): GlobalPosition | undefined {
    return this.position;
  }

  start(): void {
    if (this.loop) return;
    this.stopping = false;
    this.abort = new AbortController();
    this.loop = this.run().finally(() => (this.loop = undefined));
    if (this.settings.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    clearInterval(this.sweepTimer);
    await this.subscription?.close();
    await this.loop;
    await this.lock;
  }

  /** Resolves once the events up to `position` have been applied and checkpointed. */
  waitForPosition(position: GlobalPosition): Promise<void> {
    if (this.position !== undefined && this.position >= position) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  /**
   * Signals the complaint targets breached by `now` that no event revealed yet. Returns how many
   * signals were appended (0 while still catching up: states from the past say nothing of now).
   */
  async sweep(now: Date = new Date()): Promise<number> {
    if (!this.caughtUpValue || this.stopping || !this.lease.held) return 0;
    return this.exclusive(async () => {
      const nowMs = now.getTime();
      const before = (this.position ?? -1n) + 1n;
      let appended = 0;
      const slice = new TimeSlice();
      for (const [customerId, deadline] of [...this.deadlines]) {
        if (deadline >= nowMs || this.stopping) continue;
        await slice.pause();
        const state = await this.stateFor(customerId, before);
        const result = dueBreaches(state, now.toISOString(), (c) =>
          Object.hasOwn(state.complaintCauses, c.complaintId)
            ? state.complaintCauses[c.complaintId]
            : { eventId: c.complaintId },
        );
        await this.append(customerId, result.signals);
        this.remember(result.state);
        appended += result.signals.length;
      }
      for (const signal of this.defects.due(now.toISOString())) {
        await this.store.appendToStream(DEFECT_SIGNAL_STREAM, [signal]);
        this.defects.recorded(signal.id);
        appended++;
      }
      return appended;
    }).catch((error: unknown) => {
      this.logger.error(`sweep failed: ${describe(error)}`);
      return 0;
    });
  }

  /** Resumes from the checkpoint after each failure, with the loops' shared retry policy. */
  private async run(): Promise<void> {
    while (!this.stopping) {
      this.tracker.set('standby');
      const held = await this.lease.acquire(this.abort.signal, () => {
        // Another instance holds the lease now: end this pass and stand by.
        this.caughtUpValue = false;
        void this.subscription?.close();
      });
      if (!held) break;
      await superviseLoop({
        tracker: this.tracker,
        policy: this.policy,
        logger: this.logger,
        signal: this.abort.signal,
        pass: () => (this.lease.held ? this.runPass() : Promise.resolve()),
      });
    }
    await this.lease.release();
    this.tracker.set('stopped');
  }

  /** One subscription from the stored checkpoint, until stopped or failed. */
  private async runPass(): Promise<void> {
    const checkpoint = await this.store.loadCheckpoint(SIGNALS_CHECKPOINT);
    await this.exclusive(() => this.reset(checkpoint));
    if (this.stopping) return;
    const subscription = this.store.subscribeToAll({
      from: checkpoint ?? 'start',
      filter: { categories: SOURCE_CATEGORIES },
    });
    this.subscription = subscription;
    if (this.stopping) {
      await subscription.close();
      return;
    }
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<SubscriptionMessage>> | undefined;
    try {
      for (;;) {
        const batch: RecordedEvent[] = [];
        let done = false;
        while (batch.length < this.settings.batchSize) {
          pending ??= iterator.next();
          const result =
            batch.length === 0
              ? await pending
              : await withTimeout(pending, this.settings.batchWaitMs);
          if (result === TIMEOUT) break;
          pending = undefined;
          if (result.done) {
            done = true;
            break;
          }
          if (result.value.kind === 'caughtUp') {
            this.caughtUpValue = true;
            this.tracker.running({ checkpoint: this.position, caughtUp: true });
            break;
          }
          batch.push(result.value.event);
        }
        if (batch.length > 0 && !this.stopping) {
          await this.exclusive(() => this.applyBatch(batch));
          this.tracker.running({ checkpoint: this.position, caughtUp: this.caughtUpValue });
          await yieldToEventLoop();
        }
        if (done || this.stopping) return;
      }
    } finally {
      await subscription.close();
    }
  }

  /** Forgets everything in memory and rebuilds the indexes the checkpoint does not carry. */
  private async reset(checkpoint: GlobalPosition | undefined): Promise<void> {
    this.cache.clear();
    this.fits = [];
    this.sideStreams.clear();
    this.deadlines.clear();
    this.defects.reset();
    this.position = checkpoint;
    this.caughtUpValue = false;
    this.complete = checkpoint === undefined;
    if (checkpoint !== undefined) await this.prime(checkpoint);
  }

  /**
   * Before resuming: the CLV fits, each customer's warranty claims, and the customers with a
   * complaint target still to watch, from one scan of those event types up to the checkpoint
   * (linear in complaint and claim events, until read models keyed that way replace it).
   */
  private async prime(checkpoint: GlobalPosition): Promise<void> {
    const complaints = new Map<string, SatisfactionStateData>();
    const events = this.store.readAll({
      filter: {
        categories: SOURCE_CATEGORIES,
        eventTypePrefixes: [
          'Complaint',
          'WarrantyClaimFiled',
          'PromiseMade',
          'FollowUpTaskCreated',
          CLV_MODEL_FITTED,
        ],
      },
    });
    const slice = new TimeSlice();
    for await (const event of events) {
      if (event.position > checkpoint || this.stopping) break;
      await slice.pause();
      if (this.noteFitOrSideStream(event)) continue;
      const customerId = customerIdOf(event);
      if (customerId === undefined || !event.streamId.startsWith(`${CUSTOMER_STREAM_CATEGORY}-`)) {
        continue;
      }
      const state = complaints.get(customerId) ?? initialSatisfaction(customerId);
      complaints.set(customerId, evolveSatisfaction(state, event));
    }
    for (const [customerId, satisfaction] of complaints) {
      // Breaches already signalled are unknown here: the sweep rebuilds the customer to find out.
      const deadline = nextTargetDeadline({ ...initialCustomerSignals(customerId), satisfaction });
      if (deadline !== undefined) this.deadlines.set(customerId, deadline);
    }
    await this.defects.prime(this.store, checkpoint, () => this.stopping);
  }

  private async applyBatch(batch: RecordedEvent[]): Promise<void> {
    const slice = new TimeSlice();
    for (const event of batch) {
      if (this.stopping) return;
      await slice.pause();
      this.position = await this.apply(event).then(() => event.position);
    }
    const last = batch[batch.length - 1].position;
    await this.store.saveCheckpoint(SIGNALS_CHECKPOINT, last);
    this.position = last;
    this.waiters = this.waiters.filter((w) => (w.position <= last ? (w.resolve(), false) : true));
  }

  private async apply(event: RecordedEvent): Promise<void> {
    this.defects.note(event);
    if (this.noteFitOrSideStream(event) && event.streamId.startsWith(CLV_MODEL_PREFIX)) return;
    const customerId = customerIdOf(event);
    if (customerId === undefined) return;
    const state = await this.stateFor(customerId, event.position);
    const result = stepCustomerSignals(state, event, this.fitAt(event.position, state, event));
    await this.append(customerId, result.signals);
    this.remember(result.state);
  }

  /** Records a CLV fit or a customer's claim, promise or task stream; true when it was one. */
  private noteFitOrSideStream(event: RecordedEvent): boolean {
    if (event.streamId.startsWith(CLV_MODEL_PREFIX)) {
      if (event.type === CLV_MODEL_FITTED) {
        this.fits.push({ position: event.position, fit: event.data as ClvModelFittedData });
      }
      return true;
    }
    if (SIDE_PREFIXES.some((prefix) => event.streamId.startsWith(prefix))) {
      const customerId = customerIdOf(event);
      if (customerId === undefined) return true;
      const streams = this.sideStreams.get(customerId) ?? new Set<string>();
      streams.add(event.streamId);
      this.sideStreams.set(customerId, streams);
      return true;
    }
    return false;
  }

  /** The latest fit before `position` in the customer's currency (refits fit each apart). */
  private fitAt(
    position: GlobalPosition,
    state?: CustomerSignalState,
    event?: RecordedEvent,
  ): ClvModelFittedData | null {
    const currency =
      (state && mainCurrency(state.profile)) ??
      (event?.data as { currency?: string } | undefined)?.currency;
    for (let i = this.fits.length - 1; i >= 0; i--) {
      const { fit } = this.fits[i];
      if (this.fits[i].position < position && (!currency || fit.currency === currency)) return fit;
    }
    return null;
  }

  private async stateFor(customerId: string, before: GlobalPosition): Promise<CustomerSignalState> {
    const cached = this.cache.get(customerId);
    if (cached) return cached;
    if (this.complete) return initialCustomerSignals(customerId);
    return this.rebuild(customerId, before);
  }

  /** The customer's state from its streams, up to (not including) `before`. */
  private async rebuild(customerId: string, before: GlobalPosition): Promise<CustomerSignalState> {
    const events: RecordedEvent[] = [];
    const streams = [customerStreamId(customerId), ...(this.sideStreams.get(customerId) ?? [])];
    for (const streamId of streams) {
      for await (const event of this.store.readStream(streamId)) {
        if (event.position >= before) break;
        events.push(event);
      }
    }
    events.sort((a, b) => (a.position < b.position ? -1 : a.position > b.position ? 1 : 0));
    let state = initialCustomerSignals(customerId);
    for (const event of events) {
      state = stepCustomerSignals(state, event, this.fitAt(event.position, state, event)).state;
    }
    const signalled: RecordedEvent[] = [];
    for await (const event of this.store.readStream(signalStreamId(customerId))) {
      signalled.push(event);
    }
    return withSignalledBreaches(state, signalled);
  }

  private remember(state: CustomerSignalState): void {
    this.cache.set(state.customerId, state);
    const deadline = nextTargetDeadline(state);
    if (deadline === undefined) this.deadlines.delete(state.customerId);
    else this.deadlines.set(state.customerId, deadline);
  }

  /** One append per signal: each is then either new or, on a replay, already there (a no-op). */
  private async append(customerId: string, signals: readonly SignalToAppend[]): Promise<void> {
    for (const signal of signals) {
      await this.store.appendToStream(signalStreamId(customerId), [signal]);
    }
  }

  /** Batches and sweeps take turns on the cached states. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.catch(() => undefined);
    return result;
  }
}

/** Least-recently-used customer states. */
class StateCache {
  private readonly entries = new Map<string, CustomerSignalState>();

  constructor(
    private readonly capacity: number,
    private readonly onEvict: () => void,
  ) {}

  get(key: string): CustomerSignalState | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the key as most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: CustomerSignalState): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
      this.onEvict();
    }
  }

  clear(): void {
    this.entries.clear();
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMEOUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMEOUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMEOUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
