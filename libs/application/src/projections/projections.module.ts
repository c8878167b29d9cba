import { type DynamicModule, Global, Module } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AFTERCARE_CONFIG,
  type AftercareConfig,
  AftercareConfigModule,
} from '../config/aftercare-config';
import {
  PostgresReadModelStore,
  type ReadModelStore,
  SqliteReadModelStore,
} from '@aftercare/read-models';
import { ProjectionHost } from './projection-host';
import { ClvRefitScheduler } from '../clv/clv-refit.scheduler';
import { CustomerScoreIndexer } from '../scores/customer-score.indexer';
import { RUNTIME_STATUS_SETTINGS, RuntimeStatus } from './runtime-status';
import { ReadYourWrites } from '../freshness/read-your-writes';
import { EVENT_STORE } from '../store/event-store.module';
import type { EventStore } from '@aftercare/event-store';
import {
  PROJECTION_ENGINE,
  PROJECTION_SETTINGS,
  type ProjectionSettings,
  READ_MODEL_STORE,
} from './projections.tokens';

/**
 * Embedded deployment (sqlite): read models sit in the event store's file and the API runs the
 * projections itself, so `npm start` needs nothing else. Otherwise read models live in PostgreSQL
 * (DATABASE_URL) and `apps/projector` runs them. AFTERCARE_READ_MODELS, AFTERCARE_READ_MODEL_PATH
 * and AFTERCARE_PROJECTIONS override (see `loadReadModelConfig`).
 */
function settingsFrom(
  config: Pick<AftercareConfig, 'store' | 'readModels'>,
  runByDefault: boolean | 'when-embedded',
): ProjectionSettings {
  const { store, readModels } = config;
  const byDefault = runByDefault === 'when-embedded' ? store.kind === 'sqlite' : runByDefault;
  return {
    readModels: readModels.kind,
    readModelPath: readModels.path,
    databaseUrl: store.databaseUrl,
    readSchema: readModels.schema,
    run: readModels.run ?? byDefault,
  };
}

export async function openReadModels(settings: ProjectionSettings): Promise<ReadModelStore> {
  if (settings.readModels === 'postgres') {
    return PostgresReadModelStore.connect({
      connectionString: settings.databaseUrl,
      schema: settings.readSchema,
    });
  }
  if (settings.readModelPath !== ':memory:')
    mkdirSync(dirname(settings.readModelPath), { recursive: true });
  return SqliteReadModelStore.open({ path: settings.readModelPath });
}

@Global()
@Module({})
export class ProjectionsModule {
  /** `never`: serve read models only, whatever AFTERCARE_PROJECTIONS says (the CLI). */
  static forRoot(options: { runByDefault: boolean | 'when-embedded' | 'never' }): DynamicModule {
    return {
      module: ProjectionsModule,
      imports: [AftercareConfigModule],
      providers: [
        {
          provide: PROJECTION_SETTINGS,
          inject: [AFTERCARE_CONFIG],
          useFactory: (config: AftercareConfig): ProjectionSettings =>
            options.runByDefault === 'never'
              ? { ...settingsFrom(config, false), run: false }
              : settingsFrom(config, options.runByDefault),
        },
        {
          provide: READ_MODEL_STORE,
          inject: [PROJECTION_SETTINGS],
          useFactory: (settings: ProjectionSettings) => openReadModels(settings),
        },
        ProjectionHost,
        {
          provide: PROJECTION_ENGINE,
          inject: [ProjectionHost],
          useFactory: (host: ProjectionHost) => host.engine,
        },
        ClvRefitScheduler,
        CustomerScoreIndexer,
        {
          provide: RUNTIME_STATUS_SETTINGS,
          inject: [AFTERCARE_CONFIG],
          useFactory: (config: AftercareConfig) => config.runtimeStatus,
        },
        RuntimeStatus,
        {
          provide: ReadYourWrites,
          inject: [ProjectionHost, EVENT_STORE],
          useFactory: (host: ProjectionHost, store: EventStore) =>
            new ReadYourWrites(host.engine, store),
        },
      ],
      exports: [
        ReadYourWrites,
        READ_MODEL_STORE,
        PROJECTION_SETTINGS,
        PROJECTION_ENGINE,
        ProjectionHost,
        RuntimeStatus,
        CustomerScoreIndexer,
      ],
    };
  }
}
