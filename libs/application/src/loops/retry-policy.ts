import type { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeError, RetryPolicy } from '@aftercare/read-models';
import type { LoopStatus } from '../projections/runtime-status';

/** The runtime's one retry policy (see `@aftercare/read-models`), for loops outside the engine. */
export { describeError, RetryPolicy };

/**
 * Where one loop stands, as /health shows it: running, or retrying with the last error and when
 * the next attempt is due. Counts failures in a row; progress resets the count.
 */
export class LoopTracker {
  private state: LoopStatus['state'] = 'off';
  private failures = 0;
  private lastError: string | undefined;
  private retryAt: string | undefined;
  private checkpointValue: bigint | undefined;
  private caughtUpValue = false;

  constructor(readonly name: string) {}

  running(progress?: { checkpoint?: bigint; caughtUp?: boolean }): void {
    this.state = 'running';
    this.failures = 0;
    this.lastError = undefined;
    this.retryAt = undefined;
    if (progress?.checkpoint !== undefined) this.checkpointValue = progress.checkpoint;
    if (progress?.caughtUp !== undefined) this.caughtUpValue = progress.caughtUp;
  }

  /** Records a failure; returns how long to wait before the next attempt. */
  failed(error: unknown, policy: RetryPolicy): number {
    this.failures += 1;
    const delay = policy.delayMs(this.failures);
    this.state = 'retrying';
    this.lastError = describeError(error);
    this.retryAt = new Date(Date.now() + delay).toISOString();
    return delay;
  }

  set(state: LoopStatus['state']): void {
    this.state = state;
  }

  status(): LoopStatus {
    return {
      name: this.name,
      state: this.state,
      checkpoint: this.checkpointValue,
      caughtUp: this.caughtUpValue,
      ...(this.state === 'retrying' ? { lastError: this.lastError, retryAt: this.retryAt } : {}),
    };
  }
}

/**
 * Runs `pass` until it returns (finished or stopped), again after each failure with the policy's
 * delay: a loop outlives its dependencies going away and coming back. The pass calls
 * `tracker.running()` once it is back on its feet. Aborting the signal ends the wait at once.
 */
export async function superviseLoop(options: {
  tracker: LoopTracker;
  policy: RetryPolicy;
  logger: Logger;
  signal: AbortSignal;
  pass: () => Promise<void>;
}): Promise<void> {
  const { tracker, policy, logger, signal, pass } = options;
  while (!signal.aborted) {
    try {
      await pass();
      return;
    } catch (error) {
      if (signal.aborted) return;
      const delay = tracker.failed(error, policy);
      logger.warn(`${tracker.name}: ${describeError(error)}; retrying in ${delay} ms`);
      await sleep(delay, undefined, { signal }).catch(() => undefined);
    }
  }
}
