import { Global, Module } from '@nestjs/common';
import { ConfigModule, type ConfigType, registerAs } from '@nestjs/config';
import { type AftercareConfig, loadAftercareConfig } from './load-config';

export * from './load-config';

/** The typed configuration, as @nestjs/config loads it (inject with `@Inject(AFTERCARE_CONFIG)`). */
export const aftercareConfig = registerAs('aftercare', (): AftercareConfig =>
  loadAftercareConfig(),
);
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
