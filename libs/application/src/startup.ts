import { ConfigError } from '@aftercare/event-store';
import { loadAftercareConfig } from './config/aftercare-config';
import { loadFollowUpSettings } from './follow-ups/follow-up-settings';
import { projectionSettings } from './projections/projections.module';
import { loadSignalSettings } from './signals/signal-settings';
import { webhookSettingsFromEnv } from './webhooks/webhook.service';

/**
 * Loads the typed configuration (what @nestjs/config loads again inside each app) and the
 * signal and webhook loops' settings, so a bad value stops the process before anything starts,
 * with a message naming the variable.
 */
export function validateConfiguration(env: NodeJS.ProcessEnv = process.env): void {
  const config = loadAftercareConfig(env);
  const projections = projectionSettings(config.store, env);
  loadSignalSettings(env, projections.run);
  loadFollowUpSettings(env, projections.run);
  webhookSettingsFromEnv(env, projections.run);
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
