import { ConfigError, loadStoreConfig } from '@aftercare/event-store';
import { auditCheckpointMinutes } from './audit/audit-checkpoint.scheduler';
import { checkMasterKeySetting } from './crypto/master-key';
import { loadFollowUpSettings } from './follow-ups/follow-up-settings';
import { loadHttpSettings } from './http/http-settings';
import { loadOidcSettings } from './identity/oidc';
import { projectionSettings } from './projections/projections.module';
import { loadSignalSettings } from './signals/signal-settings';
import { webhookSettingsFromEnv } from './webhooks/webhook.service';

/**
 * Reads every setting the apps take from the environment, so a bad value stops the process
 * before anything starts, with a message naming the variable.
 */
export function validateConfiguration(env: NodeJS.ProcessEnv = process.env): void {
  const projections = projectionSettings(loadStoreConfig(env), env);
  loadSignalSettings(env, projections.run);
  loadFollowUpSettings(env, projections.run);
  webhookSettingsFromEnv(env, projections.run);
  loadHttpSettings(env);
  loadOidcSettings(env);
  checkMasterKeySetting(env);
  auditCheckpointMinutes(env);
  const port = env.PORT;
  if (
    port !== undefined &&
    !(Number.isInteger(Number(port)) && Number(port) >= 0 && Number(port) < 65536)
  ) {
    throw new ConfigError('PORT', `'${port}' is not a TCP port`);
  }
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
