import { type DynamicModule, type INestApplicationContext, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  EVENT_STORE,
  EventStoreModule,
  PII_VAULT,
  PiiModule,
  type PiiVault,
  ProjectionsModule,
  READ_MODEL_STORE,
  STORE_CONFIG,
  WarrantyAuditModule,
  WarrantyDecisionsModule,
  WriteApplicationModule,
  loadAftercareConfig,
  recordCliRead,
} from '@aftercare/application';
import type { EventStore, StoreConfig } from '@aftercare/event-store';
import type { ReadModelStore } from '@aftercare/read-models';
import { runThenClose } from './bounded-close';

/**
 * The CLI is a third door into the application, beside the API and the projector: commands run
 * inside a Nest application context over the same modules, and open no store by hand.
 */
@Module({})
class CliModule {
  static forRoot(options: { readModels: boolean; pii: boolean; write: boolean }): DynamicModule {
    return {
      module: CliModule,
      imports: [
        EventStoreModule,
        WarrantyAuditModule,
        // Read models are served, never projected, by the CLI (projections run in the API or projector).
        // Warranty decisions are read from their read model, as the API reads them.
        ...(options.readModels
          ? [ProjectionsModule.forRoot({ runByDefault: 'never' }), WarrantyDecisionsModule]
          : []),
        // The vault needs the master key: only commands that show or export personal data ask.
        ...(options.pii ? [PiiModule] : []),
        // Commands that record something go through the aggregates' handlers, like the API.
        ...(options.write ? [WriteApplicationModule] : []),
      ],
    };
  }
}

export interface CliApplication {
  app: INestApplicationContext;
  store: EventStore;
  config: StoreConfig;
  /** Only when asked for with `{ readModels: true }`. */
  readModels: ReadModelStore;
  /** Only when asked for with `{ pii: true }`. */
  vault: PiiVault;
}

/**
 * Runs `work` in an application context and always closes it (stores included), waiting for the
 * close a bounded time (see `runThenClose`).
 */
export async function withApplication<T>(
  work: (cli: CliApplication) => Promise<T>,
  options: { readModels?: boolean; pii?: boolean; write?: boolean } = {},
): Promise<T> {
  const readModels = options.readModels ?? false;
  const pii = options.pii ?? false;
  const write = options.write ?? false;
  // A bad setting is reported by name before Nest builds anything (which would log a stack).
  loadAftercareConfig();
  const app = await NestFactory.createApplicationContext(
    CliModule.forRoot({ readModels, pii, write }),
    {
      logger: ['error', 'warn'],
      abortOnError: false,
    },
  );
  return runThenClose(
    () =>
      work({
        app,
        store: app.get<EventStore>(EVENT_STORE),
        config: app.get<StoreConfig>(STORE_CONFIG),
        get readModels(): ReadModelStore {
          if (!readModels) throw new Error('this command did not ask for the read models');
          return app.get<ReadModelStore>(READ_MODEL_STORE);
        },
        get vault(): PiiVault {
          if (!pii) throw new Error('this command did not ask for the personal-data vault');
          return app.get<PiiVault>(PII_VAULT);
        },
      }),
    () => app.close(),
    (message) => console.error(`warning: ${message}`),
  );
}

/**
 * Records a read of personal data or of an audit view in the access log (`via: cli`, the OS user
 * as actor, the command line as typed), before the data is read: the CLI reads as an admin, and
 * its reads are recorded as the API's are.
 */
export function recordRead(
  cli: CliApplication,
  read: { action: string; subject?: string },
): Promise<void> {
  const detail = process.argv.slice(2).join(' ').slice(0, 1000);
  return recordCliRead(cli.store, cli.config, { ...read, detail });
}
