import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { ConfigError } from '@aftercare/event-store';
import type { ReadModelStore } from '@aftercare/read-models';

export const LOOP_LEASE_TTL_MS = 15_000;

/** AFTERCARE_LOOP_LEASE_TTL_MS: how long a stopped instance's loops stay unowned (default 15 s). */
export function loopLeaseTtlFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const value = env.AFTERCARE_LOOP_LEASE_TTL_MS?.trim();
  if (value === undefined || value === '') return LOOP_LEASE_TTL_MS;
  if (!/^\d+$/.test(value) || Number(value) < 100) {
    throw new ConfigError(
      'AFTERCARE_LOOP_LEASE_TTL_MS',
      `'${value}' must be a whole number of milliseconds, at least 100`,
    );
  }
  return Number(value);
}

/**
 * One background loop across instances: the read-model store's lease (the one projections take)
 * under the name `loop:<name>`. The holder renews it every third of its time to live; the others
 * wait, and take over once the holder's lease expires (it stopped renewing) or is released.
 * Without a read-model store (partial wiring in tests) the loop runs unleased.
 */
export class LoopLease {
  readonly owner = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private renewal: NodeJS.Timeout | undefined;
  private heldValue = false;

  constructor(
    private readonly readModels: ReadModelStore | undefined,
    readonly name: string,
    private readonly ttlMs = LOOP_LEASE_TTL_MS,
  ) {}

  get held(): boolean {
    return this.heldValue;
  }

  /**
   * Resolves once this instance holds the lease (false: aborted first). While held, renews it;
   * `onLost` runs when a renewal finds another owner. Store errors while waiting are retried.
   */
  async acquire(signal: AbortSignal, onLost: () => void): Promise<boolean> {
    const readModels = this.readModels;
    if (!readModels) return (this.heldValue = !signal.aborted);
    const name = `loop:${this.name}`;
    while (!signal.aborted) {
      const taken = await readModels.acquireLease(name, this.owner, this.ttlMs).catch(() => false);
      if (taken && !signal.aborted) {
        this.heldValue = true;
        clearInterval(this.renewal);
        this.renewal = setInterval(() => {
          void readModels.renewLease(name, this.owner, this.ttlMs).then(
            (renewal) => {
              if (renewal.held || !this.heldValue) return;
              this.heldValue = false;
              clearInterval(this.renewal);
              onLost();
            },
            // A failed renewal is retried at the next tick; if the store stays away the lease
            // expires and the next renewal reports it lost.
            () => undefined,
          );
        }, this.ttlMs / 3);
        this.renewal.unref();
        return true;
      }
      await sleep(this.ttlMs / 3, undefined, { signal }).catch(() => undefined);
    }
    return false;
  }

  /** Gives the lease up at once, so another instance need not wait for it to expire. */
  async release(): Promise<void> {
    clearInterval(this.renewal);
    if (!this.heldValue) return;
    this.heldValue = false;
    await this.readModels?.releaseLease(`loop:${this.name}`, this.owner).catch(() => undefined);
  }
}
