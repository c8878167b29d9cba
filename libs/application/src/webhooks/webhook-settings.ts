import { ConfigError } from '@aftercare/event-store';
import { type WebhookTargetPolicy, webhookTargetPolicyFromEnv } from './webhook-target';

export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');
export interface WebhookSettings {
  /** Whether this process delivers (AFTERCARE_WEBHOOKS; default: where projections run). */
  dispatch: boolean;
  /** First retry delay of a delivery; doubles with every failed attempt up to maxBackoffMs. */
  baseBackoffMs: number;
  maxBackoffMs: number;
  timeoutMs: number;
  defaultMaxAttempts: number;
  /** Where deliveries may go (AFTERCARE_WEBHOOK_ALLOW_HOSTS; see webhook-target.ts). */
  targets: WebhookTargetPolicy;
}

export function webhookSettingsFromEnv(
  env: NodeJS.ProcessEnv = process.env,
  dispatchByDefault = true,
): WebhookSettings {
  const flag = (env.AFTERCARE_WEBHOOKS ?? (dispatchByDefault ? 'on' : 'off')).trim().toLowerCase();
  if (flag !== 'on' && flag !== 'off') {
    throw new ConfigError(
      'AFTERCARE_WEBHOOKS',
      `must be 'on' or 'off', not '${env.AFTERCARE_WEBHOOKS}'`,
    );
  }
  return {
    dispatch: flag === 'on',
    baseBackoffMs: Number(env.AFTERCARE_WEBHOOK_BACKOFF_MS ?? 500),
    maxBackoffMs: Number(env.AFTERCARE_WEBHOOK_MAX_BACKOFF_MS ?? 60_000),
    timeoutMs: Number(env.AFTERCARE_WEBHOOK_TIMEOUT_MS ?? 10_000),
    defaultMaxAttempts: Number(env.AFTERCARE_WEBHOOK_MAX_ATTEMPTS ?? 8),
    targets: webhookTargetPolicyFromEnv(env),
  };
}
