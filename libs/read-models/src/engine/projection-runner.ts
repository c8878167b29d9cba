import type {
  EventStore,
  GlobalPosition,
  RecordedEvent,
  SubscriptionMessage,
} from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import {
  type CommitOutcome,
  type ProjectionFailure,
  type ReadModelStore,
  StateEncodingError,
} from '../read-model-store';
import { StateCache } from './state-cache';
import { TimeSlice, yieldToEventLoop } from './yield';

export interface ProjectionRunnerOptions {
  /** Lease owner id of this runtime instance. */
  owner: string;
  leaseTtlMs: number;
  /** Most events folded into one transaction. */
  batchSize: number;
  /** How long a started batch waits for more events before it is written. */
  batchWaitMs: number;
  /** States kept in memory between batches. */
  cacheSize: number;
  /** Pause before retrying after an infrastructure error (store or database unavailable). */
  retryDelayMs: number;
  log: (message: string) => void;
}

/** Why a runner ended: stopped on request, stopped at a poisoned event, or another instance took over. */
export type RunnerOutcome = 'stopped' | 'failed' | 'lease_lost';

type Interrupt = 'stop' | 'lease_lost' | 'epoch_changed';
type PassOutcome = RunnerOutcome | 'epoch_changed';

const TIMEOUT = Symbol('timeout');

/**
 * Runs one projection from its checkpoint: subscribes to $all with the projection's filter, folds
 * events in batches into cached states and writes the changed states with the checkpoint in one
 * transaction. The caller must hold the projection's lease before starting it.
 */
export class ProjectionRunner {
  private readonly cache: StateCache;
  private epoch = 0;
  private checkpointValue: GlobalPosition | undefined;
  private caughtUpValue = false;
  private interrupted: Interrupt | undefined;
  private wake: ((reason: Interrupt) => void) | undefined;
  private loop: Promise<RunnerOutcome> | undefined;
  private readonly waiters: { position: GlobalPosition; resolve: () => void }[] = [];

  constructor(
    readonly projection: AnyProjection,
    private readonly store: EventStore,
    private readonly readModels: ReadModelStore,
    private readonly options: ProjectionRunnerOptions,
  ) {
    this.cache = new StateCache(options.cacheSize);
  }

  get checkpoint(): GlobalPosition | undefined {
    return this.checkpointValue;
  }

  /** True once the runner has applied everything the store held when it subscribed. */
  get caughtUp(): boolean {
    return this.caughtUpValue;
  }

  get running(): boolean {
    return this.loop !== undefined;
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

  /** Makes the runner reload its checkpoint and states (after a rebuild swapped its table). */
  reload(): void {
    this.interrupt('epoch_changed');
  }

  /** Resolves when the checkpoint reaches `position` (tests, CLI waits). */
  waitForCheckpoint(position: GlobalPosition): Promise<void> {
    if (this.checkpointValue !== undefined && this.checkpointValue >= position) {
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push({ position, resolve }));
  }

  private interrupt(reason: Interrupt): void {
    // A stop outranks the others; a lease loss outranks a reload.
    if (this.interrupted === 'stop' || (this.interrupted === 'lease_lost' && reason !== 'stop')) {
      return;
    }
    this.interrupted = reason;
    this.wake?.(reason);
  }

  private async run(): Promise<RunnerOutcome> {
    const { projection, options } = this;
    this.interrupted = undefined;
    const heartbeat = setInterval(
      () => void this.heartbeat(),
      Math.max(10, options.leaseTtlMs / 3),
    );
    heartbeat.unref();
    try {
      await this.readModels.setRunState(projection.name, 'running');
      for (;;) {
        if (this.interrupted === 'stop') break;
        if (this.interrupted === 'lease_lost') return 'lease_lost';
        this.interrupted = undefined;
        try {
          const outcome = await this.runPass();
          if (outcome === 'epoch_changed') continue;
          if (outcome !== 'stopped') return outcome;
          break;
        } catch (error) {
          if (this.interrupted === 'stop') break;
          options.log(
            `Projection ${projection.name}: ${describe(error)}; retrying in ${options.retryDelayMs} ms`,
          );
          if ((await this.sleep(options.retryDelayMs)) === 'stop') break;
        }
      }
      await this.readModels.setRunState(projection.name, 'stopped').catch(() => undefined);
      await this.readModels.releaseLease(projection.name, options.owner).catch(() => undefined);
      return 'stopped';
    } finally {
      clearInterval(heartbeat);
      this.wake = undefined;
    }
  }

  /** One subscription, from the stored checkpoint until stopped, failed or invalidated. */
  private async runPass(): Promise<PassOutcome> {
    const { projection, options } = this;
    const status = await this.readModels.getStatus(projection.name);
    if (!status) throw new Error(`Projection ${projection.name} is not registered`);
    this.epoch = status.epoch;
    this.checkpointValue = status.checkpoint;
    this.caughtUpValue = false;
    this.cache.clear();
    const subscription = this.store.subscribeToAll({
      from: status.checkpoint ?? 'start',
      filter: projection.filter,
    });
    const iterator = subscription[Symbol.asyncIterator]();
    let pending: Promise<IteratorResult<SubscriptionMessage>> | undefined;
    try {
      for (;;) {
        const batch: RecordedEvent[] = [];
        let ended = false;
        let timer: NodeJS.Timeout | undefined;
        let deadline: Promise<typeof TIMEOUT> | undefined;
        const interruption = this.nextInterrupt();
        // A batch also ends when its events took a slice of time to gather and fold: reads of the
        // embedded store are synchronous, so a full batch of them would hold the event loop.
        const slice = new TimeSlice();
        try {
          while (batch.length < options.batchSize && !slice.due) {
            pending ??= iterator.next();
            if (batch.length > 0) {
              deadline ??= new Promise((resolve) => {
                timer = setTimeout(() => resolve(TIMEOUT), options.batchWaitMs);
              });
            }
            const result = await Promise.race(
              deadline ? [pending, interruption, deadline] : [pending, interruption],
            );
            if (result === TIMEOUT || typeof result === 'string') break;
            pending = undefined;
            if (result.done) {
              ended = true;
              break;
            }
            if (result.value.kind === 'caughtUp') {
              this.caughtUpValue = true;
              break;
            }
            batch.push(result.value.event);
          }
        } finally {
          clearTimeout(timer);
        }
        if (batch.length > 0) {
          const outcome = await this.applyBatch(batch);
          if (outcome !== 'committed') return outcome === 'lease_lost' ? 'lease_lost' : outcome;
          await yieldToEventLoop();
        }
        if (this.interrupted) return this.interrupted === 'stop' ? 'stopped' : this.interrupted;
        if (ended) throw new Error('the subscription ended');
      }
    } finally {
      await subscription.close().catch(() => undefined);
    }
  }

  private async applyBatch(batch: RecordedEvent[]): Promise<CommitOutcome | 'failed'> {
    const { projection } = this;
    let failure: ProjectionFailure | undefined;
    const keyed: { event: RecordedEvent; key: string | undefined }[] = [];
    for (const event of batch) {
      try {
        keyed.push({ event, key: projection.keyOf(event) });
      } catch (error) {
        failure = failureAt(event, error);
        break;
      }
    }
    const missing = new Set<string>();
    for (const { key } of keyed) {
      if (key !== undefined && !this.cache.has(key)) missing.add(key);
    }
    const loaded = missing.size
      ? await this.readModels.loadStates(projection.name, [...missing])
      : new Map<string, unknown>();

    // Folded states stay out of the cache until their transaction commits.
    const dirty = new Map<string, { state: unknown; event: RecordedEvent }>();
    let lastApplied: RecordedEvent | undefined;
    for (const { event, key } of keyed) {
      if (key !== undefined) {
        try {
          const current = dirty.has(key)
            ? dirty.get(key)!.state
            : this.cache.has(key)
              ? this.cache.get(key)
              : loaded.has(key)
                ? loaded.get(key)
                : projection.initialState(key);
          dirty.set(key, { state: projection.evolve(current, event), event });
        } catch (error) {
          failure = failureAt(event, error);
          break;
        }
      }
      lastApplied = event;
    }

    const commit = {
      owner: this.options.owner,
      epoch: this.epoch,
      leaseTtlMs: this.options.leaseTtlMs,
      states: [...dirty].map(([key, { state, event }]) => ({
        key,
        state,
        position: event.position,
      })),
      checkpoint: lastApplied?.position,
      failure,
    };
    let outcome: CommitOutcome;
    try {
      outcome = await this.readModels.commitBatch(projection, commit);
    } catch (error) {
      if (!(error instanceof StateEncodingError)) throw error;
      // Nothing of the batch was written: record the failure at the last event that touched the
      // state, and leave the checkpoint before the batch.
      const event = dirty.get(error.key)!.event;
      outcome = await this.readModels.commitBatch(projection, {
        ...commit,
        states: [],
        checkpoint: undefined,
        failure: failureAt(event, error),
      });
      if (outcome === 'committed') this.reportFailure(failureAt(event, error));
      return outcome === 'committed' ? 'failed' : outcome;
    }
    if (outcome !== 'committed') return outcome;
    for (const [key, { state }] of dirty) this.cache.set(key, state);
    if (lastApplied) this.advance(lastApplied.position);
    if (failure) {
      this.reportFailure(failure);
      return 'failed';
    }
    return 'committed';
  }

  private reportFailure(failure: ProjectionFailure): void {
    this.options.log(
      `Projection ${this.projection.name} stopped at event ${failure.eventId} (position ${failure.position}): ${failure.error}`,
    );
  }

  private advance(position: GlobalPosition): void {
    this.checkpointValue = position;
    for (let i = this.waiters.length - 1; i >= 0; i--) {
      if (this.waiters[i].position <= position) {
        this.waiters[i].resolve();
        this.waiters.splice(i, 1);
      }
    }
  }

  private async heartbeat(): Promise<void> {
    try {
      const renewal = await this.readModels.renewLease(
        this.projection.name,
        this.options.owner,
        this.options.leaseTtlMs,
      );
      if (!renewal.held) this.interrupt('lease_lost');
      else if (renewal.epoch !== this.epoch) this.interrupt('epoch_changed');
    } catch (error) {
      this.options.log(
        `Projection ${this.projection.name}: lease renewal failed: ${describe(error)}`,
      );
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

function failureAt(event: RecordedEvent, error: unknown): ProjectionFailure {
  return { error: describe(error), position: event.position, eventId: event.id };
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
