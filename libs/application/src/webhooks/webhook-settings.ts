import { ConfigError } from '@aftercare/event-store';
import { wholeNumberSetting } from '../config/setting-values';
import { type WebhookTargetPolicy, webhookTargetPolicyFromEnv } from './webhook-target';

export const WEBHOOK_SETTINGS = Symbol('WEBHOOK_SETTINGS');
export interface WebhookSettings {
  /** Whether this process delivers (AFTERCARE_WEBHOOKS; default: where projections run). */
  dispatch: boolean;
  /** AFTERCARE_WEBHOOK_BACKOFF_MS: first retry delay of a delivery; doubles with every failed attempt up to maxBackoffMs. */
  baseBackoffMs: number;
  /** AFTERCARE_WEBHOOK_MAX_BACKOFF_MS. */
  maxBackoffMs: number;
  /** AFTERCARE_WEBHOOK_TIMEOUT_MS. */
  timeoutMs: number;
  /** AFTERCARE_WEBHOOK_MAX_ATTEMPTS: attempts of a subscription that does not say its own. */
  defaultMaxAttempts: number;
  /** Where deliveries may go (AFTERCARE_WEBHOOK_ALLOW_HOSTS; see webhook-target.ts). */
  targets: WebhookTargetPolicy;
}

/** As configured: `dispatch` is undefined when AFTERCARE_WEBHOOKS is not set. */
export type WebhookConfig = Omit<WebhookSettings, 'dispatch'> & { dispatch: boolean | undefined };

export function parseWebhookConfig(env: NodeJS.ProcessEnv): WebhookConfig {
  const raw = env.AFTERCARE_WEBHOOKS;
  const flag = raw?.trim().toLowerCase();
  if (flag !== undefined && flag !== 'on' && flag !== 'off') {
    throw new ConfigError('AFTERCARE_WEBHOOKS', `must be 'on' or 'off', not '${raw}'`);
  }
  return {
    dispatch: flag === undefined ? undefined : flag === 'on',
    baseBackoffMs: wholeNumberSetting(env, 'AFTERCARE_WEBHOOK_BACKOFF_MS', 500, 1),
    maxBackoffMs: wholeNumberSetting(env, 'AFTERCARE_WEBHOOK_MAX_BACKOFF_MS', 60_000, 1),
    timeoutMs: wholeNumberSetting(env, 'AFTERCARE_WEBHOOK_TIMEOUT_MS', 10_000, 1),
    defaultMaxAttempts: wholeNumberSetting(env, 'AFTERCARE_WEBHOOK_MAX_ATTEMPTS', 8, 1),
    targets: webhookTargetPolicyFromEnv(env),
  };
}

/** Deliveries run in one place, where the projections run, unless AFTERCARE_WEBHOOKS says otherwise. */
export function webhookSettings(config: WebhookConfig, projectionsRun: boolean): WebhookSettings {
  return { ...config, dispatch: config.dispatch ?? projectionsRun };
}
