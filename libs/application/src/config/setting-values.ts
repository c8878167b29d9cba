import { ConfigError } from '@aftercare/event-store';

/** A whole-number setting: `fallback` when unset or empty; otherwise at least `min`, or a ConfigError naming it. */
export function wholeNumberSetting(
  env: NodeJS.ProcessEnv,
  name: string,
  fallback: number,
  min: number,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min) {
    throw new ConfigError(name, `must be a whole number >= ${min}, not '${env[name]}'`);
  }
  return value;
}
