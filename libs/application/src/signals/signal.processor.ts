import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnModuleDestroy,
} from '@nestjs/common';
import {
  CUSTOMER_STREAM_CATEGORY,
  customerStreamId,
  FOLLOW_UP_TASK_STREAM_CATEGORY,
  PROMISE_STREAM_CATEGORY,
  WARRANTY_CLAIM_STREAM_CATEGORY,
} from '@aftercare/domain';
import type { AllFilter, EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
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
import {
  type BatchOutcome,
  type ConsumerContext,
  describeError,
  type EventConsumer,
  type ProjectionEngine,
  StateCache,
  TimeSlice,
} from '@aftercare/read-models';
import { PROJECTION_ENGINE } from '../projections/projections.tokens';
import type { LoopStatus } from '../projections/runtime-status';
import { EVENT_STORE } from '../store/event-store.module';
import {
  type CustomerSignalState,
  dueBreaches,
  initialCustomerSignals,
  nextTargetDeadline,
  stepCustomerSignals,
  withSignalledBreaches,
} from './customer-signals';
import { DEFECT_SIGNAL_STREAM, signalStreamId } from './signal.events';
import { DefectSignalMonitor } from './defect-signals';
import { SIGNAL_SETTINGS, type SignalSettings } from './signal-settings';
import { SignalWriter } from './signal-writer';

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

/**
 * Produces the lifecycle signals: a consumer of the projection runtime over the customer, warranty
 * and CLV model categories from the durable checkpoint `signals`, folding each customer's state
 * with the projections' folds and appending the signals an event raises to `signal-<customerId>`.
 * The runtime runs it on one instance at a time (its lease), in batches, with its retry policy;
 * the checkpoint is saved after each batch under the lease. Signal ids derive from their cause, so
 * events processed again after a crash (appended, not yet checkpointed) write nothing twice.
 *
 * States are cached (LRU). On a miss the customer's state is rebuilt from its streams up to the
 * event at hand, and the breaches already signalled are read back from its signal stream. A sweep
 * on the wall clock (every AFTERCARE_SIGNALS_SWEEP_MS) finds complaint targets that pass while
 * nothing happens; it runs only once the processor has caught up with history.
 */
@Injectable()
export class SignalProcessor implements OnApplicationBootstrap, OnModuleDestroy, EventConsumer {
  readonly name = SIGNALS_CHECKPOINT;
  readonly filter: AllFilter = { categories: SOURCE_CATEGORIES };
  private readonly logger = new Logger('Signals');
  private readonly cache: StateCache<CustomerSignalState>;
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
  private stopping = false;
  private added = false;
  private sweepTimer: NodeJS.Timeout | undefined;
  private lock: Promise<unknown> = Promise.resolve();
  private waiters: { position: GlobalPosition; resolve: () => void }[] = [];
  /** Appends a batch's (or a sweep's) signals together, stored before the checkpoint moves. */
  private readonly writer: SignalWriter;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(SIGNAL_SETTINGS) private readonly settings: SignalSettings,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
  ) {
    this.cache = new StateCache(settings.cacheSize, () => (this.complete = false));
    this.writer = new SignalWriter(store);
  }

  /** As the runtime reports it: running here, standing by (another instance runs it), retrying. */
  loopStatus(): LoopStatus {
    return (
      this.engine.consumerStatus(this.name)[0] ?? {
        name: this.name,
        state: 'off',
        checkpoint: undefined,
        caughtUp: false,
      }
    );
  }

  onApplicationBootstrap(): void {
    if (this.settings.enabled) this.start();
  }

  async onModuleDestroy(): Promise<void> {
    await this.stop();
  }

  /** True while this instance runs the processor and has applied what the store held when it subscribed. */
  get caughtUp(): boolean {
    return this.engine.consumerRunner(this.name)?.caughtUp ?? false;
  }

  get checkpoint(): GlobalPosition | undefined {
    return this.position;
  }

  /** Adds the processor to the runtime, which runs it here once this instance holds its lease. */
  start(): void {
    if (this.added) return;
    this.added = true;
    this.stopping = false;
    this.engine.addConsumer(this);
    if (this.settings.sweepIntervalMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), this.settings.sweepIntervalMs);
      this.sweepTimer.unref();
    }
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.sweepTimer);
    if (this.added) await this.engine.removeConsumer(this.name);
    this.added = false;
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
    // Only the instance running the processor sweeps, and only once it has caught up.
    if (!this.caughtUp || this.stopping) return 0;
    return this.exclusive(async () => {
      const nowMs = now.getTime();
      const before = (this.position ?? -1n) + 1n;
      let appended = 0;
      const slice = new TimeSlice();
      try {
        for (const [customerId, deadline] of [...this.deadlines]) {
          if (deadline >= nowMs || this.stopping) continue;
          await slice.pause();
          const state = await this.stateFor(customerId, before);
          const result = dueBreaches(state, now.toISOString(), (c) =>
            Object.hasOwn(state.complaintCauses, c.complaintId)
              ? state.complaintCauses[c.complaintId]
              : { eventId: c.complaintId },
          );
          this.writer.add(signalStreamId(customerId), result.signals);
          this.remember(result.state);
          appended += result.signals.length;
        }
      } finally {
        await this.writer.flush();
      }
      for (const signal of await this.defects.due(now.toISOString())) {
        await this.store.appendToStream(DEFECT_SIGNAL_STREAM, [signal]);
        this.defects.recorded(signal.id);
        appended++;
      }
      return appended;
    }).catch((error: unknown) => {
      this.logger.error(`sweep failed: ${describeError(error)}`);
      return 0;
    });
  }

  /** A pass of the runtime begins (the lease is held): resume from the durable checkpoint. */
  async open(): Promise<GlobalPosition | undefined> {
    const checkpoint = await this.store.loadCheckpoint(SIGNALS_CHECKPOINT);
    await this.exclusive(() => this.reset(checkpoint));
    return checkpoint;
  }

  /** Applies a batch in order, then saves the checkpoint under the lease. */
  async handle(batch: readonly RecordedEvent[], context: ConsumerContext): Promise<BatchOutcome> {
    await this.exclusive(() => this.applyBatch(batch, context));
    return 'committed';
  }

  /** Forgets everything in memory and rebuilds the indexes the checkpoint does not carry. */
  private async reset(checkpoint: GlobalPosition | undefined): Promise<void> {
    this.cache.clear();
    this.fits = [];
    this.sideStreams.clear();
    this.deadlines.clear();
    this.defects.reset();
    this.position = checkpoint;
    if (checkpoint !== undefined) this.resolveWaiters(checkpoint);
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

  private async applyBatch(
    batch: readonly RecordedEvent[],
    context: ConsumerContext,
  ): Promise<void> {
    const slice = new TimeSlice();
    let applied: GlobalPosition | undefined;
    try {
      for (const event of batch) {
        // Stopped or taken over mid-batch: the rest is applied again from the checkpoint.
        if (context.signal.aborted) break;
        await slice.pause();
        await this.apply(event);
        applied = event.position;
      }
    } finally {
      // What the batch derived is stored before the position or the checkpoint passes its causes.
      await this.writer.flush();
    }
    if (applied !== undefined) this.position = applied;
    const last = batch[batch.length - 1].position;
    if (applied !== last) return;
    await context.commit(last, () => this.store.saveCheckpoint(SIGNALS_CHECKPOINT, last));
    this.resolveWaiters(last);
  }

  private resolveWaiters(position: GlobalPosition): void {
    this.waiters = this.waiters.filter((w) =>
      w.position <= position ? (w.resolve(), false) : true,
    );
  }

  private async apply(event: RecordedEvent): Promise<void> {
    this.defects.note(event);
    if (this.noteFitOrSideStream(event) && event.streamId.startsWith(CLV_MODEL_PREFIX)) return;
    const customerId = customerIdOf(event);
    if (customerId === undefined) return;
    const state = await this.stateFor(customerId, event.position);
    const result = stepCustomerSignals(state, event, this.fitAt(event.position, state, event));
    this.writer.add(signalStreamId(customerId), result.signals);
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
    const signalled: Pick<RecordedEvent, 'type' | 'data'>[] = [];
    for await (const event of this.store.readStream(signalStreamId(customerId))) {
      signalled.push(event);
    }
    // Signals of the batch under way may not be stored yet: they count as signalled too.
    signalled.push(...this.writer.queued(signalStreamId(customerId)));
    return withSignalledBreaches(state, signalled);
  }

  private remember(state: CustomerSignalState): void {
    this.cache.set(state.customerId, state);
    const deadline = nextTargetDeadline(state);
    if (deadline === undefined) this.deadlines.delete(state.customerId);
    else this.deadlines.set(state.customerId, deadline);
  }

  /** Batches and sweeps take turns on the cached states. */
  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const result = this.lock.then(work);
    this.lock = result.catch(() => undefined);
    return result;
  }
}
