import { Global, Module } from '@nestjs/common';
import { ConfigModule, type ConfigType, registerAs } from '@nestjs/config';
import { type AftercareConfig, loadAftercareConfig } from './load-config';

export * from './load-config';

/** Set while a command runs with a configuration of its own (see `withConfiguration`). */
let commandConfig: AftercareConfig | undefined;

/** The typed configuration, as @nestjs/config loads it (inject with `@Inject(AFTERCARE_CONFIG)`). */
export const aftercareConfig = registerAs(
  'aftercare',
  (): AftercareConfig => commandConfig ?? loadAftercareConfig(),
);

/**
 * Runs `work` with `config` as the configuration the application loads, instead of the
 * environment's: a CLI command whose options settle part of it (`seed --store-path`) builds its
 * application inside. Restored after (tests run commands in-process).
 */
export async function withConfiguration<T>(
  config: AftercareConfig,
  work: () => Promise<T>,
): Promise<T> {
  const previous = commandConfig;
  commandConfig = config;
  try {
    return await work();
  } finally {
    commandConfig = previous;
  }
}
export const AFTERCARE_CONFIG = aftercareConfig.KEY;
export type AftercareConfigType = ConfigType<typeof aftercareConfig>;

/**
 * @nestjs/config with the typed configuration, for every module that needs a setting (they import
 * it; Nest keeps one per application). No .env file is read: the environment is the source.
 */
@Global()
@Module({
  imports: [ConfigModule.forRoot({ ignoreEnvFile: true, load: [aftercareConfig] })],
  exports: [ConfigModule],
})
export class AftercareConfigModule {}
