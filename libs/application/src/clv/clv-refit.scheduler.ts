import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import { describeError, type ProjectionEngine } from '@aftercare/read-models';
import {
  PROJECTION_ENGINE,
  PROJECTION_SETTINGS,
  type ProjectionSettings,
} from '../projections/projections.tokens';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { EVENT_STORE } from '../store/event-store.module';
import { NothingToFitError, refitClvModels } from './clv-refit';

/** The scheduled consumer's name: its lease and its line in /health. */
export const CLV_REFIT_CONSUMER = 'clv-refit';

/**
 * Refits the CLV population model on a schedule (AFTERCARE_CLV_REFIT_HOURS, default 24; 0 turns
 * it off) where the projections run: a scheduled consumer of the projection runtime, so of N
 * instances one refits (the holder of its lease), and a refit that fails (store away) is retried
 * with the runtime's policy instead of waiting a day.
 */
@Injectable()
export class ClvRefitScheduler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ClvRefit');
  private added = false;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_SETTINGS) private readonly settings: ProjectionSettings,
    @Inject(PROJECTION_ENGINE) private readonly engine: ProjectionEngine,
    @Optional() @Inject(AFTERCARE_CONFIG) private readonly config?: AftercareConfig,
  ) {}

  onApplicationBootstrap(): void {
    const hours = this.config?.clvRefitHours ?? 24;
    if (!this.settings.run || !(hours > 0)) return;
    this.engine.addConsumer({
      name: CLV_REFIT_CONSUMER,
      intervalMs: hours * 3_600_000,
      run: () => this.attempt(),
    });
    this.added = true;
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.added) await this.engine.removeConsumer(CLV_REFIT_CONSUMER);
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
