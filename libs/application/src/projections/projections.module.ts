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
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { projections } from '@aftercare/projections';
import {
  PostgresReadModelStore,
  ProjectionEngine,
  type ReadModelStore,
  SqliteReadModelStore,
  sqliteRebuildSource,
} from '@aftercare/read-models';
import { ClvRefitScheduler } from '../clv/clv-refit.scheduler';
import { EVENT_STORE, STORE_CONFIG } from '../store/event-store.module';
import {
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

/** The engine over the registry's projections; rebuilds read the embedded store's rows directly. */
export function createProjectionEngine(
  store: EventStore,
  readModels: ReadModelStore,
  options: { log?: (message: string) => void; instanceId?: string } = {},
): ProjectionEngine {
  return new ProjectionEngine({
    store,
    readModels,
    projections,
    instanceId: options.instanceId,
    rebuildSource: store instanceof SqliteEventStore ? sqliteRebuildSource(store.db) : undefined,
    log: options.log,
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
    this.engine = createProjectionEngine(store, readModels, { log: (m) => this.logger.log(m) });
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
        ClvRefitScheduler,
      ],
      exports: [READ_MODEL_STORE, PROJECTION_SETTINGS, ProjectionHost],
    };
  }
}
