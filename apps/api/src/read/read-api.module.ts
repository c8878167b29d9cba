import { type DynamicModule, Module, type Provider } from '@nestjs/common';
import { AnalyticsController } from './analytics.controller';
import { ComplaintsController } from './complaints.controller';
import { CustomersController } from './customers.controller';
import { NextActionsController } from './next-actions.controller';
import { ReadService } from './read.service';
import { ScoreAnalyticsController } from './score-analytics.controller';
import { READ_CLOCK, READ_MODELS } from './read.tokens';

export interface ReadApiOptions {
  /** How to obtain the read-model store (e.g. `{ useExisting: READ_MODEL_STORE }`). */
  readModels: Omit<Extract<Provider, { provide: unknown }>, 'provide'>;
  /** Modules that export what `readModels` needs. */
  imports?: DynamicModule['imports'];
  /** "Now" for current views; defaults to the system clock. */
  clock?: () => Date;
}

/**
 * The query side over HTTP: customer profiles (current or as-of), timelines, lists for action
 * and population analytics. Needs `EVENT_STORE` (global, from EventStoreModule) and a read-model
 * store: register with `ReadApiModule.register({ readModels: ... })`, or import `ReadApiModule`
 * where a global provider for `READ_MODELS` exists.
 */
@Module({
  controllers: [
    CustomersController,
    ComplaintsController,
    AnalyticsController,
    ScoreAnalyticsController,
    NextActionsController,
  ],
  providers: [ReadService, { provide: READ_CLOCK, useValue: () => new Date() }],
})
export class ReadApiModule {
  static register(options: ReadApiOptions): DynamicModule {
    return {
      module: ReadApiModule,
      imports: options.imports ?? [],
      providers: [
        { ...options.readModels, provide: READ_MODELS } as Provider,
        { provide: READ_CLOCK, useValue: options.clock ?? (() => new Date()) },
      ],
    };
  }
}
