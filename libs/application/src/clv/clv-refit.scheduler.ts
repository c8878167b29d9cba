import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import { EVENT_STORE } from '../store/event-store.module';
import { PROJECTION_SETTINGS, type ProjectionSettings } from '../projections/projections.tokens';
import { NothingToFitError, refitClvModels } from './clv-refit';

/**
 * Refits the CLV population model on a schedule (AFTERCARE_CLV_REFIT_HOURS, default 24; 0 turns
 * it off) in the process that runs the projections: the projector, or the embedded API.
 */
@Injectable()
export class ClvRefitScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ClvRefit');
  private timer?: NodeJS.Timeout;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_SETTINGS) private readonly settings: ProjectionSettings,
  ) {}

  onApplicationBootstrap(): void {
    const hours = Number(process.env.AFTERCARE_CLV_REFIT_HOURS ?? 24);
    if (!this.settings.run || !(hours > 0)) return;
    this.timer = setInterval(() => void this.refit(), hours * 3_600_000);
    this.timer.unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async refit(): Promise<void> {
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
      else this.logger.error(`refit failed: ${String(error)}`);
    }
  }
}
