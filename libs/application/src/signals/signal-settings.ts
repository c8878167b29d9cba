import { ConfigError } from '@aftercare/event-store';

/**
 * How this process runs the signal processor, from the environment (validated at start). Batches,
 * retries and the lease are the projection runtime's (see `createProjectionEngine`).
 */
export interface SignalSettings {
  /** AFTERCARE_SIGNALS=on|off (default on). */
  enabled: boolean;
  /** AFTERCARE_SIGNALS_SWEEP_MS: how often open complaints are checked against the clock; 0 turns the sweep off. */
  sweepIntervalMs: number;
  /** Customers whose folded state is kept in memory. */
  cacheSize: number;
}

export const SIGNAL_SETTINGS = Symbol('SIGNAL_SETTINGS');

export const DEFAULT_SIGNAL_SETTINGS: SignalSettings = {
  enabled: true,
  sweepIntervalMs: 60_000,
  cacheSize: 10_000,
};

/**
 * `onByDefault`: signals run where the projections run (the projector, or the embedded API), so
 * several API instances in the distributed deployment do not all process them.
 */
export function loadSignalSettings(
  env: NodeJS.ProcessEnv = process.env,
  onByDefault = true,
): SignalSettings {
  const switchValue = (env.AFTERCARE_SIGNALS ?? (onByDefault ? 'on' : 'off')).trim().toLowerCase();
  if (switchValue !== 'on' && switchValue !== 'off') {
    throw new ConfigError(
      'AFTERCARE_SIGNALS',
      `must be 'on' or 'off', not '${env.AFTERCARE_SIGNALS}'`,
    );
  }
  const sweep = env.AFTERCARE_SIGNALS_SWEEP_MS;
  const sweepIntervalMs = sweep === undefined || sweep === '' ? undefined : Number(sweep);
  if (
    sweepIntervalMs !== undefined &&
    !(Number.isInteger(sweepIntervalMs) && sweepIntervalMs >= 0)
  ) {
    throw new ConfigError(
      'AFTERCARE_SIGNALS_SWEEP_MS',
      `must be a whole number of milliseconds (0 turns the sweep off), not '${sweep}'`,
    );
  }
  return {
    ...DEFAULT_SIGNAL_SETTINGS,
    enabled: switchValue === 'on',
    sweepIntervalMs: sweepIntervalMs ?? DEFAULT_SIGNAL_SETTINGS.sweepIntervalMs,
  };
}
