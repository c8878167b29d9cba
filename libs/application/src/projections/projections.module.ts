import { type DynamicModule, Global, Module } from '@nestjs/common';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { ConfigError, type StoreConfig } from '@aftercare/event-store';
import {
  PostgresReadModelStore,
  type ReadModelStore,
  SqliteReadModelStore,
} from '@aftercare/read-models';
import { ProjectionHost } from './projection-host';
import { ClvRefitScheduler } from '../clv/clv-refit.scheduler';
import { CustomerScoreIndexer } from '../scores/customer-score.indexer';
import {
  RUNTIME_STATUS_SETTINGS,
  RuntimeStatus,
  runtimeStatusSettingsFromEnv,
} from './runtime-status';
import { STORE_CONFIG } from '../store/event-store.module';
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
 * and AFTERCARE_PROJECTIONS override.
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
  const kind = (
    env.AFTERCARE_READ_MODELS ?? (config.kind === 'sqlite' ? 'sqlite' : 'postgres')
  ).trim();
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new ConfigError(
      'AFTERCARE_READ_MODELS',
      `'${env.AFTERCARE_READ_MODELS}' must be sqlite or postgres`,
    );
  }
  const readSchema = env.AFTERCARE_PG_READ_SCHEMA ?? 'aftercare_read';
  if (!/^[a-z_][a-z0-9_]*$/.test(readSchema)) {
    throw new ConfigError(
      'AFTERCARE_PG_READ_SCHEMA',
      `'${readSchema}' must be a lower-case SQL identifier`,
    );
  }
  const byDefault = runByDefault === 'when-embedded' ? config.kind === 'sqlite' : runByDefault;
  return {
    readModels: kind,
    readModelPath:
      env.AFTERCARE_READ_MODEL_PATH ??
      (config.kind === 'sqlite' ? config.sqlitePath : './data/read-models.db'),
    databaseUrl: config.databaseUrl,
    readSchema,
    run: flag === undefined ? byDefault : flag === 'on',
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
      providers: [
        {
          provide: PROJECTION_SETTINGS,
          inject: [STORE_CONFIG],
          useFactory: (config: StoreConfig): ProjectionSettings =>
            options.runByDefault === 'never'
              ? { ...projectionSettings(config, process.env, false), run: false }
              : projectionSettings(config, process.env, options.runByDefault),
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
        { provide: RUNTIME_STATUS_SETTINGS, useFactory: () => runtimeStatusSettingsFromEnv() },
        RuntimeStatus,
      ],
      exports: [
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
