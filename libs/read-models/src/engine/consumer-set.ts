import type { EventStore } from '@aftercare/event-store';
import type { ReadModelStore } from '../read-model-store';
import {
  consumerLeaseName,
  type ConsumerStatus,
  type EventConsumer,
  type RunnerOutcome,
  type ScheduledConsumer,
} from './consumer';
import { ConsumerRunner } from './consumer-runner';
import { describeError, type RetryPolicy } from './retry-policy';

export interface ConsumerSetOptions {
  store: EventStore;
  readModels: ReadModelStore;
  owner: string;
  leaseTtlMs: number;
  batchSize: number;
  batchWaitMs: number;
  retry: RetryPolicy;
  log: (message: string) => void;
  warn: (message: string) => void;
}

/**
 * The reactors and scheduled jobs of an engine, each run on one instance at a time: the engine's
 * claim loop takes the lease of every active one not running yet (`consumer:<name>`), and the
 * others stand by until the holder stops renewing it.
 */
export class ConsumerSet {
  private readonly consumers = new Map<string, EventConsumer | ScheduledConsumer>();
  private readonly runners = new Map<string, ConsumerRunner>();

  constructor(private readonly options: ConsumerSetOptions) {}

  names(): string[] {
    return [...this.consumers.keys()];
  }

  add(consumer: EventConsumer | ScheduledConsumer): void {
    if (this.consumers.has(consumer.name)) {
      throw new Error(`Two consumers are named '${consumer.name}'`);
    }
    this.consumers.set(consumer.name, consumer);
  }

  /** Stops the consumer here (releasing its lease) and forgets it. */
  async remove(name: string): Promise<void> {
    this.consumers.delete(name);
    await this.runners.get(name)?.stop();
  }

  runner(name: string): ConsumerRunner | undefined {
    return this.runners.get(name);
  }

  /** Where each consumer stands on this instance; `claiming` is false before start and after stop. */
  status(claiming: boolean): ConsumerStatus[] {
    return [...this.consumers.values()].map(
      (consumer) =>
        this.runners.get(consumer.name)?.status() ?? {
          name: consumer.name,
          state: !claiming ? 'off' : isActive(consumer) ? 'standby' : 'stopped',
          checkpoint: undefined,
          caughtUp: false,
        },
    );
  }

  /** Starts a runner for every active consumer whose lease this instance gets. */
  async claim(stillClaiming: () => boolean): Promise<void> {
    const { readModels, owner, leaseTtlMs } = this.options;
    for (const consumer of [...this.consumers.values()]) {
      if (!stillClaiming()) return;
      if (this.runners.has(consumer.name) || !isActive(consumer)) continue;
      try {
        const lease = consumerLeaseName(consumer.name);
        if (!(await readModels.acquireLease(lease, owner, leaseTtlMs))) continue;
        // Removed, or claimed by a concurrent call, while the lease was being taken.
        if (this.consumers.get(consumer.name) !== consumer || this.runners.has(consumer.name)) {
          await readModels.releaseLease(lease, owner);
          continue;
        }
        this.startRunner(consumer, lease);
      } catch (error) {
        this.options.warn(`${consumer.name}: could not take its lease: ${describeError(error)}`);
      }
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.runners.values()].map((runner) => runner.stop()));
    this.runners.clear();
  }

  private startRunner(consumer: EventConsumer | ScheduledConsumer, leaseName: string): void {
    const { store, readModels, log, warn } = this.options;
    const runner = new ConsumerRunner(consumer, store, readModels, { ...this.options, leaseName });
    this.runners.set(consumer.name, runner);
    const forget = () => {
      if (this.runners.get(consumer.name) === runner) this.runners.delete(consumer.name);
    };
    void runner.start().then(
      (outcome: RunnerOutcome) => {
        forget();
        if (outcome === 'lease_lost') log(`${consumer.name}: another instance took over`);
      },
      (error: unknown) => {
        forget();
        warn(`${consumer.name}: runner crashed: ${describeError(error)}`);
      },
    );
  }
}

function isActive(consumer: EventConsumer | ScheduledConsumer): boolean {
  return !('active' in consumer) || consumer.active?.() !== false;
}
