import {
  type DynamicModule,
  Global,
  Inject,
  Injectable,
  Logger,
  Module,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type EventStore, type StoreConfig } from '@aftercare/event-store';
import {
  ProjectionEngine,
  projections,
  type ReadModelStore,
  SqliteReadModelStore,
  sqliteRebuildSource,
} from '@aftercare/projections';
import { ClvRefitScheduler } from '../clv/clv-refit.scheduler';
import { EVENT_STORE, STORE_CONFIG } from '../store/event-store.module';
import {
  PROJECTION_SETTINGS,
  type ProjectionSettings,
  READ_MODEL_STORE,
} from './projections.tokens';

/**
 * Embedded deployment (sqlite): read models sit in the event store's file and the API runs the
 * projections itself, so `npm start` needs nothing else. Elsewhere read models default to
 * ./data/read-models.db and `apps/projector` runs them (AFTERCARE_PROJECTIONS=on|off overrides).
 */
export function projectionSettings(
  config: StoreConfig,
  env: NodeJS.ProcessEnv = process.env,
  runByDefault: boolean | 'when-embedded' = true,
): ProjectionSettings {
  const flag = env.AFTERCARE_PROJECTIONS?.trim().toLowerCase();
  if (flag !== undefined && flag !== 'on' && flag !== 'off') {
    throw new ConfigError(
      'AFTERCARE_PROJECTIONS',
      `'${env.AFTERCARE_PROJECTIONS}' must be on or off`,
    );
  }
  const readModelPath =
    env.AFTERCARE_READ_MODEL_PATH ??
    (config.kind === 'sqlite' ? config.sqlitePath : './data/read-models.db');
  const byDefault = runByDefault === 'when-embedded' ? config.kind === 'sqlite' : runByDefault;
  return { readModelPath, run: flag === undefined ? byDefault : flag === 'on' };
}

export function openReadModels(settings: ProjectionSettings): SqliteReadModelStore {
  if (settings.readModelPath !== ':memory:')
    mkdirSync(dirname(settings.readModelPath), { recursive: true });
  return SqliteReadModelStore.open({ path: settings.readModelPath });
}

export function createProjectionEngine(
  store: EventStore,
  readModels: SqliteReadModelStore,
  log: (message: string) => void = () => undefined,
): ProjectionEngine {
  const sameFile = store.kind === 'sqlite';
  return new ProjectionEngine({
    store,
    readModels,
    projections,
    rebuildSource: sameFile ? sqliteRebuildSource(readModels.db) : undefined,
    log,
  });
}

@Injectable()
export class ProjectionHost implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Projections');
  readonly engine: ProjectionEngine;

  constructor(
    @Inject(EVENT_STORE) store: EventStore,
    @Inject(READ_MODEL_STORE) private readonly readModels: ReadModelStore,
    @Inject(PROJECTION_SETTINGS) private readonly settings: ProjectionSettings,
  ) {
    this.engine = createProjectionEngine(store, readModels as SqliteReadModelStore, (m) =>
      this.logger.log(m),
    );
  }

  async onApplicationBootstrap(): Promise<void> {
    if (this.settings.run) await this.engine.start();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.settings.run) await this.engine.stop();
    await this.readModels.close();
  }
}

/** Read models for queries, and the projection engine when this process runs it. */
@Global()
@Module({})
export class ProjectionsModule {
  static forRoot(options: { runByDefault: boolean | 'when-embedded' }): DynamicModule {
    return {
      module: ProjectionsModule,
      providers: [
        {
          provide: PROJECTION_SETTINGS,
          inject: [STORE_CONFIG],
          useFactory: (config: StoreConfig) =>
            projectionSettings(config, process.env, options.runByDefault),
        },
        {
          provide: READ_MODEL_STORE,
          inject: [PROJECTION_SETTINGS],
          useFactory: (settings: ProjectionSettings) => openReadModels(settings),
        },
        ProjectionHost,
        ClvRefitScheduler,
      ],
      exports: [READ_MODEL_STORE, PROJECTION_SETTINGS, ProjectionHost],
    };
  }
}
