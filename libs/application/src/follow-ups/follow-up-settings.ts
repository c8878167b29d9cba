import { ConfigError } from '@aftercare/event-store';
import { wholeNumberSetting } from '../config/setting-values';

/** How this process runs the playbook reactor and the due-time sweep (validated at start). */
export interface FollowUpSettings {
  /** AFTERCARE_PLAYBOOKS=on|off: default on where the projections run. */
  enabled: boolean;
  /** AFTERCARE_FOLLOW_UP_SWEEP_MS: how often due times are checked against the clock (default 60 s). */
  sweepIntervalMs: number;
  /**
   * AFTERCARE_PLAYBOOK_MAX_CAUSE_AGE_DAYS (default 30): events older than this when the reactor
   * reaches them plan no task (history imported or replayed does not flood today's worklist).
   */
  maxCauseAgeDays: number;
  /** AFTERCARE_PROMISE_GRACE_MINUTES (default 60): how long after its due time a promise may still be recorded kept before the sweep breaks it. */
  promiseGraceMs: number;
}

/** As configured: `enabled` is undefined when AFTERCARE_PLAYBOOKS is not set. */
export type FollowUpConfig = Omit<FollowUpSettings, 'enabled'> & { enabled: boolean | undefined };

export const FOLLOW_UP_SETTINGS = Symbol('FOLLOW_UP_SETTINGS');

export function parseFollowUpConfig(env: NodeJS.ProcessEnv): FollowUpConfig {
  const raw = env.AFTERCARE_PLAYBOOKS;
  const switchValue = raw?.trim().toLowerCase();
  if (switchValue !== undefined && switchValue !== 'on' && switchValue !== 'off') {
    throw new ConfigError('AFTERCARE_PLAYBOOKS', `must be 'on' or 'off', not '${raw}'`);
  }
  return {
    enabled: switchValue === undefined ? undefined : switchValue === 'on',
    sweepIntervalMs: wholeNumberSetting(env, 'AFTERCARE_FOLLOW_UP_SWEEP_MS', 60_000, 10),
    maxCauseAgeDays: wholeNumberSetting(env, 'AFTERCARE_PLAYBOOK_MAX_CAUSE_AGE_DAYS', 30, 0),
    promiseGraceMs: wholeNumberSetting(env, 'AFTERCARE_PROMISE_GRACE_MINUTES', 60, 0) * 60_000,
  };
}

/** Playbooks and the sweep run where the projections run unless AFTERCARE_PLAYBOOKS says otherwise. */
export function followUpSettings(
  config: FollowUpConfig,
  projectionsRun: boolean,
): FollowUpSettings {
  return { ...config, enabled: config.enabled ?? projectionsRun };
}
