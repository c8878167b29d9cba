import { ConfigError } from '@aftercare/event-store';

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

export const FOLLOW_UP_SETTINGS = Symbol('FOLLOW_UP_SETTINGS');

function wholeNumber(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!(Number.isInteger(value) && value >= min)) {
    throw new ConfigError(name, `must be a whole number >= ${min}, not '${raw}'`);
  }
  return value;
}

export function loadFollowUpSettings(
  env: NodeJS.ProcessEnv = process.env,
  onByDefault = true,
): FollowUpSettings {
  const raw = env.AFTERCARE_PLAYBOOKS;
  const switchValue = (raw ?? (onByDefault ? 'on' : 'off')).trim().toLowerCase();
  if (switchValue !== 'on' && switchValue !== 'off') {
    throw new ConfigError('AFTERCARE_PLAYBOOKS', `must be 'on' or 'off', not '${raw}'`);
  }
  return {
    enabled: switchValue === 'on',
    sweepIntervalMs: wholeNumber(env, 'AFTERCARE_FOLLOW_UP_SWEEP_MS', 60_000, 10),
    maxCauseAgeDays: wholeNumber(env, 'AFTERCARE_PLAYBOOK_MAX_CAUSE_AGE_DAYS', 30, 0),
    promiseGraceMs: wholeNumber(env, 'AFTERCARE_PROMISE_GRACE_MINUTES', 60, 0) * 60_000,
  };
}
