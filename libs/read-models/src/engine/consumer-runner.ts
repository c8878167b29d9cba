import type {
  EventStore,
  GlobalPosition,
  RecordedEvent,
  SubscriptionMessage,
} from '@aftercare/event-store';
import type { ReadModelStore } from '../read-model-store';
import {
  type BatchOutcome,
  type ConsumerContext,
  type ConsumerStatus,
  type EventConsumer,
  type JobContext,
  LeaseLostError,
  type RunnerOutcome,
  type ScheduledConsumer,
} from './consumer';
import { describeError, type RetryPolicy } from './retry-policy';
import { SLICE_MS, yieldToEventLoop } from './yield';

export interface ConsumerRunnerOptions {
  /** Lease owner id of this runtime instance. */
  owner: string;
  /** The lease the runner renews (the caller took it before starting the runner). */
  leaseName: string;
  leaseTtlMs: number;
  /** Most events handed to the consumer in one batch. */
  batchSize: number;
  /**
   * How long a started batch waits for more events before it is handed over; not at all while a
   * reader waits for a position (`waitForCheckpoint`).
   */
  batchWaitMs: number;
  /** Delays after infrastructure errors (store or database unavailable), failures in a row. */
  retry: RetryPolicy;
  log: (message: string) => void;
  /** Failures an operator must see (a batch or job failing, a lease not renewed). */
  warn: (message: string) => void;
}

type Interrupt = 'stop' | 'lease_lost' | 'epoch_changed';
type PassOutcome = RunnerOutcome | 'epoch_changed';

const TIMEOUT = Symbol('timeout');

/**
 * Runs one consumer while this instance holds its lease: renews the lease (a third of its time to
 * live), and for an event consumer subscribes to $all from the consumer's checkpoint and hands it
 * the events in batches (a batch ends at `batchSize`, after `batchWaitMs` of quiet, or after a
 * slice of time, then the loop yields to the event loop). A scheduled consumer runs every
 * interval instead. A throw restarts the pass after the retry policy's delay; status says where
 * it stands for /health. The caller must hold the lease before starting it.
 */
export class ConsumerRunner {
  private checkpointValue: GlobalPosition | undefined;
  /**
   * Where the consumer has handled every event it follows: past its checkpoint once the
   * subscription caught up at a later position (events it does not follow lie in between).
   */
  private appliedThroughValue: GlobalPosition | undefined;
  private caughtUpValue = false;
  private interrupted: Interrupt | undefined;
  private wake: ((reason: Interrupt) => void) | undefined;
  private loop: Promise<RunnerOutcome> | undefined;
  private readonly waiters: { position: GlobalPosition; resolve: () => void }[] = [];
  /** Ends the batch being gathered now (a reader waits). */
  private cutBatch: (() => void) | undefined;
  private abort = new AbortController();
  private failures = 0;
  private lastError: string | undefined;
  private retryAt: string | undefined;
  private readonly context: ConsumerContext;

  constructor(
    readonly consumer: EventConsumer | ScheduledConsumer,
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    private readonly options: ConsumerRunnerOptions,
  ) {
    const state = {
      signal: () => this.abort.signal,
      caughtUp: () => this.caughtUpValue,
    };
    this.context = {
      owner: options.owner,
      leaseTtlMs: options.leaseTtlMs,
      get signal() {
        return state.signal();
      },
      get caughtUp() {
        return state.caughtUp();
      },
      commit: (position, save) => this.commit(position, save),
      advanced: (position) => this.advance(position),
    };
  }

  get checkpoint(): GlobalPosition | undefined {
    return this.checkpointValue;
  }

  /** True once the runner has handled everything the store held when it subscribed. */
  get caughtUp(): boolean {
    return this.caughtUpValue;
  }

  get running(): boolean {
    return this.loop !== undefined;
  }

  status(): ConsumerStatus {
    const retrying = this.lastError !== undefined;
    return {
      name: this.consumer.name,
      state: retrying ? 'retrying' : 'running',
      checkpoint: this.checkpointValue,
      caughtUp: this.caughtUpValue,
      ...(retrying ? { lastError: this.lastError, retryAt: this.retryAt } : {}),
    };
  }

  /** Starts the loop; the promise settles when the runner ends, with the reason. */
  start(): Promise<RunnerOutcome> {
    this.loop ??= this.run().finally(() => {
      this.loop = undefined;
    });
    return this.loop;
  }

  async stop(): Promise<void> {
    const loop = this.loop;
    if (!loop) return;
    this.interrupt('stop');
    await loop;
  }

  /** Makes the runner reopen its consumer (after a rebuild swapped a projection's table). */
  reload(): void {
    this.interrupt('epoch_changed');
  }

  /**
   * The position up to which the consumer has handled every event it follows: its checkpoint, or
   * the position its subscription caught up at once the events before it are committed.
   */
  get appliedThrough(): GlobalPosition | undefined {
    const a = this.checkpointValue;
    const b = this.appliedThroughValue;
    return a === undefined ? b : b === undefined || a >= b ? a : b;
  }

  /**
   * Resolves when the consumer has applied everything it follows up to `position` (tests, CLI
   * waits, reads that wait for a writer's position). An abort forgets the wait; the promise
   * then stays pending, so callers race it with their own deadline.
   */
  waitForCheckpoint(position: GlobalPosition, signal?: AbortSignal): Promise<void> {
    const applied = this.appliedThrough;
    if (applied !== undefined && applied >= position) return Promise.resolve();
    return new Promise((resolve) => {
      if (signal?.aborted) return;
      const waiter = { position, resolve };
      this.waiters.push(waiter);
      // Whatever the batch being gathered holds is handed over now, not after its wait.
      this.cutBatch?.();
      signal?.addEventListener(
        'abort',
        () => {
          const at = this.waiters.indexOf(waiter);
          if (at >= 0) this.waiters.splice(at, 1);
        },
        { once: true },
      );
    });
  }

  private interrupt(reason: Interrupt): void {
    // A stop outranks the others; a lease loss outranks a reload.
    if (this.interrupted === 'stop' || (this.interrupted === 'lease_lost' && reason !== 'stop')) {
      return;
    }
    this.interrupted = reason;
    if (reason !== 'epoch_changed') this.abort.abort();
    this.wake?.(reason);
  }

  private async run(): Promise<RunnerOutcome> {
    const { consumer, options } = this;
    this.interrupted = undefined;
    this.abort = new AbortController();
    const heartbeat = setInterval(
      () => void this.heartbeat(),
      Math.max(10, options.leaseTtlMs / 3),
    );
    heartbeat.unref();
    let outcome: RunnerOutcome = 'stopped';
    try {
      if ('started' in consumer) await consumer.started?.();
      for (;;) {
        if (this.interrupted === 'stop') break;
        if (this.interrupted === 'lease_lost') {
          outcome = 'lease_lost';
          break;
        }
        this.interrupted = undefined;
        try {
          const pass =
            'handle' in consumer ? await this.runPass(consumer) : await this.runJob(consumer);
          if (pass === 'epoch_changed') continue;
          outcome = pass;
          break;
        } catch (error) {
          if (this.interrupted === 'stop') break;
          if (error instanceof LeaseLostError || this.interrupted === 'lease_lost') {
            outcome = 'lease_lost';
            break;
          }
          const delay = this.failed(error);
          options.warn(`${consumer.name}: ${describeError(error)}; retrying in ${delay} ms`);
          if ((await this.sleep(delay)) === 'stop') break;
        }
      }
      if ('stopped' in consumer) await consumer.stopped?.(outcome).catch(() => undefined);
      if (outcome !== 'lease_lost') {
        await this.readModels.releaseLease(options.leaseName, options.owner).catch(() => undefined);
      }
      return outcome;
    } finally {
      clearInterval(heartbeat);
      this.wake = undefined;
    }
  }

  /** One subscription, from the consumer's checkpoint until stopped, ended or invalidated. */
  private async runPass(consumer: EventConsumer): Promise<PassOutcome> {
    const { options } = this;
    this.caughtUpValue = false;
    const checkpoint = await consumer.open(this.context);
    this.checkpointValue = checkpoint;
    this.lastError = undefined;
    const subscription = this.store.subscribeToAll({
      from: checkpoint ?? 'start',
      filter: consumer.filter,
    });
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<SubscriptionMessage>> | undefined;
    try {
      for (;;) {
        const batch: RecordedEvent[] = [];
        let ended = false;
        let handledThrough: GlobalPosition | undefined;
        let timer: NodeJS.Timeout | undefined;
        let deadline: Promise<typeof TIMEOUT> | undefined;
        const interruption = this.nextInterrupt();
        // A batch also ends when gathering its events kept the event loop for a slice of time:
        // reads of the embedded store are synchronous, so a full batch of them would hold it.
        // Only that work counts, not the waits for events to come, or a live batch would end
        // at its first event.
        let busyMs = 0;
        let resumedAt = performance.now();
        try {
          while (batch.length < options.batchSize && busyMs < SLICE_MS) {
            pending ??= iterator.next();
            if (batch.length > 0) {
              deadline ??= new Promise((resolve) => {
                const wait = this.waiters.length > 0 ? 0 : options.batchWaitMs;
                timer = setTimeout(() => resolve(TIMEOUT), wait);
                this.cutBatch = () => resolve(TIMEOUT);
              });
            }
            busyMs += performance.now() - resumedAt;
            const result = await Promise.race(
              deadline ? [pending, interruption, deadline] : [pending, interruption],
            );
            resumedAt = performance.now();
            if (result === TIMEOUT || typeof result === 'string') break;
            pending = undefined;
            if (result.done) {
              ended = true;
              break;
            }
            if (result.value.kind === 'caughtUp') {
              this.caughtUpValue = true;
              handledThrough = result.value.position;
              this.progressed();
              break;
            }
            if (result.value.kind === 'checkpoint') {
              // Nothing this consumer follows up to there: at once, or once the batch is in.
              if (batch.length === 0) this.appliedUpTo(result.value.position);
              else handledThrough = result.value.position;
              continue;
            }
            batch.push(result.value.event);
          }
        } finally {
          clearTimeout(timer);
          this.cutBatch = undefined;
        }
        if (batch.length > 0) {
          const outcome: BatchOutcome = await consumer.handle(batch, this.context);
          if (outcome !== 'committed') return outcome;
          this.progressed();
        }
        // Everything the subscription held when it caught up (or said nothing more was left
        // to deliver) is now handled.
        if (handledThrough !== undefined) this.appliedUpTo(handledThrough);
        if (batch.length > 0) await yieldToEventLoop();
        if (this.interrupted) return this.interrupted === 'stop' ? 'stopped' : this.interrupted;
        if (ended) throw new Error('the subscription ended');
      }
    } finally {
      await subscription.close().catch(() => undefined);
    }
  }

  /** A scheduled consumer: waits its interval (not while work is waiting), runs, and again. */
  private async runJob(job: ScheduledConsumer): Promise<PassOutcome> {
    this.lastError = undefined;
    this.caughtUpValue = true;
    const context: JobContext = {
      signal: this.abort.signal,
      progress: ({ checkpoint, caughtUp }) => {
        if (checkpoint !== undefined) this.advance(checkpoint);
        if (caughtUp !== undefined) this.caughtUpValue = caughtUp;
      },
    };
    let more = this.failures > 0;
    for (;;) {
      if (more) await yieldToEventLoop();
      const interrupted = more ? this.interrupted : await this.sleep(job.intervalMs);
      if (interrupted) return interrupted === 'stop' ? 'stopped' : interrupted;
      more = (await job.run(context)) === true;
      this.progressed();
    }
  }

  private async commit(position: GlobalPosition, save: () => Promise<void>): Promise<void> {
    const { leaseName, owner, leaseTtlMs } = this.options;
    const renewal = await this.readModels.renewLease(leaseName, owner, leaseTtlMs);
    if (!renewal.held) {
      this.interrupt('lease_lost');
      throw new LeaseLostError(this.consumer.name);
    }
    await save();
    this.advance(position);
  }

  private advance(position: GlobalPosition): void {
    this.checkpointValue = position;
    this.notify();
  }

  private appliedUpTo(position: GlobalPosition): void {
    if (this.appliedThroughValue === undefined || position > this.appliedThroughValue) {
      this.appliedThroughValue = position;
    }
    this.notify();
  }

  /** Resolves the waits the consumer has now gone past. */
  private notify(): void {
    const applied = this.appliedThrough;
    if (applied === undefined) return;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].position <= applied) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

  /** Work went through: the failures in a row are over. */
  private progressed(): void {
    this.failures = 0;
    this.lastError = undefined;
    this.retryAt = undefined;
  }

  /** Records a failure; returns how long to wait before the next attempt. */
  private failed(error: unknown): number {
    this.failures += 1;
    const delay = this.options.retry.delayMs(this.failures);
    this.lastError = describeError(error);
    this.retryAt = new Date(Date.now() + delay).toISOString();
    return delay;
  }

  private async heartbeat(): Promise<void> {
    try {
      const renewal = await this.readModels.renewLease(
        this.options.leaseName,
        this.options.owner,
        this.options.leaseTtlMs,
      );
      if (!renewal.held) this.interrupt('lease_lost');
      else if ('epochChanged' in this.consumer && this.consumer.epochChanged?.(renewal.epoch)) {
        this.interrupt('epoch_changed');
      }
    } catch (error) {
      this.options.warn(`${this.consumer.name}: lease renewal failed: ${describeError(error)}`);
    }
  }

  /** A fresh promise per wait: racing one long-lived promise would pile up reactions on it. */
  private nextInterrupt(): Promise<Interrupt> {
    if (this.interrupted) return Promise.resolve(this.interrupted);
    return new Promise((resolve) => {
      this.wake = resolve;
    });
  }

  private async sleep(ms: number): Promise<Interrupt | undefined> {
    let timer: NodeJS.Timeout | undefined;
    const result = await Promise.race([
      this.nextInterrupt(),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), ms);
      }),
    ]);
    clearTimeout(timer);
    return result;
  }
}
