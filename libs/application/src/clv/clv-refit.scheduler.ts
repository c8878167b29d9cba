import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import { describeError, LoopTracker, RetryPolicy } from '../loops/retry-policy';
import { PROJECTION_SETTINGS, type ProjectionSettings } from '../projections/projections.tokens';
import {
  type LoopStatus,
  type LoopStatusSource,
  RuntimeStatus,
} from '../projections/runtime-status';
import { EVENT_STORE } from '../store/event-store.module';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { NothingToFitError, refitClvModels } from './clv-refit';

/** A refit that failed on the store is tried again from this delay, doubling up to the interval. */
const RETRY_BASE_MS = 5_000;

/**
 * Refits the CLV population model on a schedule (AFTERCARE_CLV_REFIT_HOURS, default 24; 0 turns
 * it off) in the process that runs the projections: the projector, or the embedded API. A refit
 * that fails (store away) is retried with the loops' shared policy instead of waiting a day.
 */
@Injectable()
export class ClvRefitScheduler
  implements OnApplicationBootstrap, OnApplicationShutdown, LoopStatusSource
{
  private readonly logger = new Logger('ClvRefit');
  private readonly tracker = new LoopTracker('clv-refit');
  private timer?: NodeJS.Timeout;
  private stopped = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_SETTINGS) private readonly settings: ProjectionSettings,
    @Optional() private readonly runtime?: RuntimeStatus,
    @Optional() @Inject(AFTERCARE_CONFIG) private readonly config?: AftercareConfig,
  ) {}

  onApplicationBootstrap(): void {
    const hours = this.config?.clvRefitHours ?? 24;
    if (!this.settings.run || !(hours > 0)) return;
    const intervalMs = hours * 3_600_000;
    const policy = new RetryPolicy(Math.min(RETRY_BASE_MS, intervalMs), intervalMs);
    this.runtime?.register(this);
    this.tracker.running();
    const schedule = (ms: number) => {
      if (this.stopped) return;
      this.timer = setTimeout(() => {
        this.attempt().then(
          () => {
            this.tracker.running();
            schedule(intervalMs);
          },
          (error: unknown) => {
            const delay = this.tracker.failed(error, policy);
            this.logger.error(`refit failed: ${describeError(error)}; retrying in ${delay} ms`);
            schedule(delay);
          },
        );
      }, ms);
      this.timer.unref();
    };
    schedule(intervalMs);
  }

  onApplicationShutdown(): void {
    this.stopped = true;
    this.tracker.set('stopped');
    clearTimeout(this.timer);
  }

  loopStatus(): LoopStatus {
    return this.tracker.status();
  }

  /** One refit now; failures are logged, not thrown. */
  async refit(): Promise<void> {
    await this.attempt().catch((error: unknown) =>
      this.logger.error(`refit failed: ${describeError(error)}`),
    );
  }

  private async attempt(): Promise<void> {
    try {
      const { fits, skipped } = await refitClvModels(this.store, {
        now: new Date().toISOString(),
        actor: 'scheduler',
      });
      for (const fit of fits) {
        this.logger.log(
          `fit ${fit.fitId} (${fit.currency}): ${fit.customers} customers, log-likelihood ${fit.bgNbd.logLikelihood.toFixed(1)}`,
        );
      }
      for (const { currency, reason } of skipped)
        this.logger.log(`${currency} not fitted: ${reason}`);
    } catch (error) {
      if (error instanceof NothingToFitError) this.logger.log(error.message);
      else throw error;
    }
  }
}
