import { ConfigError } from '@aftercare/event-store';

export const LOOP_LEASE_TTL_MS = 15_000;

/**
 * AFTERCARE_LOOP_LEASE_TTL_MS: the runtime's lease time to live, for projections, reactors and
 * jobs alike: how long a stopped instance's work stays unowned (default 15 s).
 */
export function loopLeaseTtlFromEnv(env: NodeJS.ProcessEnv): number {
  const value = env.AFTERCARE_LOOP_LEASE_TTL_MS?.trim();
  if (value === undefined || value === '') return LOOP_LEASE_TTL_MS;
  if (!/^\d+$/.test(value) || Number(value) < 100) {
    throw new ConfigError(
      'AFTERCARE_LOOP_LEASE_TTL_MS',
      `'${value}' must be a whole number of milliseconds, at least 100`,
    );
  }
  return Number(value);
}
