import type { AllFilter, GlobalPosition, RecordedEvent } from '@aftercare/event-store';

/**
 * What a consumer's batch ended in: `committed` (carry on), `failed` (stopped at a poisoned
 * event, recorded by the consumer), `paused` (nothing more until `active()` says so again, e.g.
 * a dead-lettered webhook), `lease_lost` or `epoch_changed` (a commit was refused).
 */
export type BatchOutcome = 'committed' | 'failed' | 'paused' | 'lease_lost' | 'epoch_changed';

/** What the runtime gives a consumer while it holds the consumer's lease. */
export interface ConsumerContext {
  /** Lease owner id of this instance (for commits that check the lease in their transaction). */
  readonly owner: string;
  readonly leaseTtlMs: number;
  /** Aborted when the runner stops or loses its lease: long waits (a backoff) end at once. */
  readonly signal: AbortSignal;
  /** True once everything the store held when this pass subscribed has been handled. */
  readonly caughtUp: boolean;
  /**
   * Saves a checkpoint under the lease: renews the lease, then runs `save`. Throws
   * `LeaseLostError` (nothing saved) when another instance holds it now.
   */
  commit(position: GlobalPosition, save: () => Promise<void>): Promise<void>;
  /** Notes a checkpoint the consumer committed itself, in a transaction that checked the lease. */
  advanced(position: GlobalPosition): void;
}

/**
 * A handler the runtime feeds: events of its filter in global order, in batches, from its own
 * checkpoint, on one instance at a time (the holder of its lease). Projections are consumers;
 * so are the reactors (signals, webhook deliveries, playbooks). A throw restarts the consumer
 * from its last committed checkpoint after the retry policy's delay, so a reactor sees an event
 * again after a crash between its effect and its checkpoint: effects must be idempotent or
 * at-least-once by contract.
 */
export interface EventConsumer {
  /** Unique in the engine; shown in /health. */
  readonly name: string;
  readonly filter?: AllFilter;
  /** Whether it should run now (default always); the engine checks before taking the lease. */
  active?(): boolean;
  /** A pass begins (the lease is held): load what the consumer needs, return its checkpoint. */
  open(context: ConsumerContext): Promise<GlobalPosition | undefined>;
  /** Handles a batch, in order, and commits its checkpoint (`context.commit` or `advanced`). */
  handle(batch: readonly RecordedEvent[], context: ConsumerContext): Promise<BatchOutcome>;
  /** A lease renewal reports the read model's epoch: true when the pass must restart. */
  epochChanged?(epoch: number): boolean;
  /** The runner took the lease and starts (projections mark themselves running). */
  started?(): Promise<void>;
  /** The runner ends (projections mark themselves stopped unless another instance took over). */
  stopped?(outcome: RunnerOutcome): Promise<void>;
}

/** What the runtime gives a scheduled job while it holds the job's lease. */
export interface JobContext {
  /** Aborted when the runner stops or loses its lease. */
  readonly signal: AbortSignal;
  /** Reports where the job stands, for /health (a position it covers, whether it is current). */
  progress(progress: { checkpoint?: GlobalPosition; caughtUp?: boolean }): void;
}

/**
 * A job the runtime runs on one instance at a time (the holder of its lease): every `intervalMs`,
 * or at once again (after yielding to the event loop) when `run` says more work is waiting; a
 * throw is retried with the policy. CLV refits, audit checkpoints, the customer score index.
 */
export interface ScheduledConsumer {
  readonly name: string;
  readonly intervalMs: number;
  /** One unit of work; true when more is waiting. */
  run(context: JobContext): Promise<boolean | void>;
}

/** Why a runner ended: stopped on request, failed or paused by its consumer, or another instance took over. */
export type RunnerOutcome = 'stopped' | 'failed' | 'paused' | 'lease_lost';

/** A consumer's place as /health shows it. */
export interface ConsumerStatus {
  name: string;
  state: 'running' | 'retrying' | 'stopped' | 'standby' | 'off';
  checkpoint: GlobalPosition | undefined;
  caughtUp: boolean;
  /** The last error while retrying, with when the next attempt is due. */
  lastError?: string;
  retryAt?: string;
}

export class LeaseLostError extends Error {
  constructor(readonly consumer: string) {
    super(`Consumer ${consumer}: another instance holds the lease`);
    this.name = 'LeaseLostError';
  }
}

/** The lease of a reactor or job, apart from projections' own names. */
export function consumerLeaseName(name: string): string {
  return `consumer:${name}`;
}
