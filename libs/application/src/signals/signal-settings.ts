import { ConfigError } from '@aftercare/event-store';

/**
 * How this process runs the signal processor (part of the typed configuration, validated at
 * start). Batches, retries and the lease are the projection runtime's.
 */
export interface SignalSettings {
  /** AFTERCARE_SIGNALS=on|off (default: where the projections run). */
  enabled: boolean;
  /** AFTERCARE_SIGNALS_SWEEP_MS: how often open complaints are checked against the clock; 0 turns the sweep off. */
  sweepIntervalMs: number;
  /** Customers whose folded state is kept in memory. */
  cacheSize: number;
}

/** As configured: `enabled` is undefined when AFTERCARE_SIGNALS is not set. */
export type SignalConfig = Omit<SignalSettings, 'enabled'> & { enabled: boolean | undefined };

export const SIGNAL_SETTINGS = Symbol('SIGNAL_SETTINGS');

export const DEFAULT_SIGNAL_SETTINGS: SignalSettings = {
  enabled: true,
  sweepIntervalMs: 60_000,
  cacheSize: 10_000,
};

export function parseSignalConfig(env: NodeJS.ProcessEnv): SignalConfig {
  const raw = env.AFTERCARE_SIGNALS;
  const switchValue = raw?.trim().toLowerCase();
  if (switchValue !== undefined && switchValue !== 'on' && switchValue !== 'off') {
    throw new ConfigError('AFTERCARE_SIGNALS', `must be 'on' or 'off', not '${raw}'`);
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
    enabled: switchValue === undefined ? undefined : switchValue === 'on',
    sweepIntervalMs: sweepIntervalMs ?? DEFAULT_SIGNAL_SETTINGS.sweepIntervalMs,
  };
}

/**
 * Signals run where the projections run (the projector, or the embedded API) unless
 * AFTERCARE_SIGNALS says otherwise, so API instances of a distributed deployment leave them alone.
 */
export function signalSettings(config: SignalConfig, projectionsRun: boolean): SignalSettings {
  return { ...config, enabled: config.enabled ?? projectionsRun };
}
