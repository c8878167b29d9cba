import { ConfigError } from '@aftercare/event-store';
import { type AftercareConfig, loadAftercareConfig } from './config/load-config';

export { requestTimeouts } from './http/http-settings';

/**
 * Loads the typed configuration (what @nestjs/config loads again inside each app), so a bad value
 * stops the process before anything starts, with a message naming the variable.
 */
export function validateConfiguration(env?: NodeJS.ProcessEnv): AftercareConfig {
  return loadAftercareConfig(env);
}

/** How every entry point ends when it cannot start: bad configuration exits 2, anything else 1. */
export function exitOnStartupError(error: unknown): never {
  if (error instanceof ConfigError) {
    console.error(`Configuration error: ${error.message}`);
    process.exit(2);
  }
  console.error(error);
  process.exit(1);
}
