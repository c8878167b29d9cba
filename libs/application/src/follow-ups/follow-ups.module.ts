import {
  Inject,
  Injectable,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
  Optional,
} from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { EventStore } from '@aftercare/event-store';
import type { ProjectionEngine, ReadModelStore } from '@aftercare/read-models';
import {
  PROJECTION_ENGINE,
  PROJECTION_SETTINGS,
  type ProjectionSettings,
  READ_MODEL_STORE,
} from '../projections/projections.tokens';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { EVENT_STORE } from '../store/event-store.module';
import { WriteApplicationModule } from '../write/write-application.module';
import { FollowUpQueries } from './follow-up.queries';
import { FollowUpSweep } from './follow-up.sweep';
import { FOLLOW_UP_SETTINGS, type FollowUpSettings, followUpSettings } from './follow-up-settings';
import { PlaybookCatalogue } from './playbook.catalogue';
import { PlaybookReactor } from './playbook.reactor';

/**
 * Adds the playbook reactor and the due-time sweep to this process's projection runtime when
 * follow-ups are switched on here (by default where the projections run); the runtime takes
 * their leases, so with N instances each runs on one. Nothing here waits for catch-up.
 */
@Injectable()
export class FollowUpRuntime implements OnApplicationBootstrap, OnApplicationShutdown {
  readonly reactor: PlaybookReactor;
  readonly sweep: FollowUpSweep;
  private added = false;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_STORE) readModels: ReadModelStore,
    @Inject(FOLLOW_UP_SETTINGS) private readonly settings: FollowUpSettings,
    commandBus: CommandBus,
    @Optional() @Inject(PROJECTION_ENGINE) private readonly engine?: ProjectionEngine,
  ) {
    this.reactor = new PlaybookReactor(store, commandBus, readModels, settings);
    this.sweep = new FollowUpSweep(readModels, commandBus, settings);
  }

  onApplicationBootstrap(): void {
    if (!this.settings.enabled || !this.engine) return;
    this.engine.addConsumer(this.reactor);
    this.engine.addConsumer(this.sweep);
    this.added = true;
  }

  async onApplicationShutdown(): Promise<void> {
    if (!this.added || !this.engine) return;
    await this.engine.removeConsumer(this.reactor.name);
    await this.engine.removeConsumer(this.sweep.name);
  }
}

/** Follow-ups and promises: their queries, the playbook catalogue, the reactor and the sweep. */
@Module({
  imports: [WriteApplicationModule],
  providers: [
    {
      provide: FOLLOW_UP_SETTINGS,
      inject: [AFTERCARE_CONFIG, PROJECTION_SETTINGS],
      useFactory: (config: AftercareConfig, projections: ProjectionSettings): FollowUpSettings =>
        followUpSettings(config.followUps, projections.run),
    },
    {
      provide: FollowUpQueries,
      inject: [READ_MODEL_STORE],
      useFactory: (readModels: ReadModelStore) => new FollowUpQueries(readModels),
    },
    {
      provide: PlaybookCatalogue,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new PlaybookCatalogue(store),
    },
    FollowUpRuntime,
  ],
  exports: [FollowUpQueries, PlaybookCatalogue, FollowUpRuntime, FOLLOW_UP_SETTINGS],
})
export class FollowUpsModule {}
