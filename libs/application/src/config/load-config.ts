/**
 * The typed configuration and its loader, without Nest: the API's entry point loads it (and stops
 * on a bad value) before anything else, and `aftercare-config.ts` hands it to @nestjs/config. This
 * is the one place that reads the environment.
 */
import { ConfigError, loadStoreConfig, type StoreConfig } from '@aftercare/event-store';
import { type KeySettings, loadKeySettings } from '../crypto/master-key';
import { type FollowUpConfig, parseFollowUpConfig } from '../follow-ups/follow-up-settings';
import { type HttpSettings, loadHttpSettings } from '../http/http-settings';
import { loadOidcSettings, type OidcSettings } from '../identity/oidc-settings';
import { loopLeaseTtlFromEnv } from '../loops/lease-ttl';
import { parseSignalConfig, type SignalConfig } from '../signals/signal-settings';
import { parseWebhookConfig, type WebhookConfig } from '../webhooks/webhook-settings';

type Env = Readonly<Record<string, string | undefined>>;

export interface RuntimeStatusSettings {
  /** AFTERCARE_STATUS_REFRESH_MS: how often the snapshot is recomputed. Default 1000. */
  refreshMs: number;
  /** AFTERCARE_READY_MAX_LAG: positions a projection run here may lag and still be ready. Default 1000. */
  readyMaxLag: bigint;
}

export function runtimeStatusSettingsFromEnv(env: Env): RuntimeStatusSettings {
  const refresh = env.AFTERCARE_STATUS_REFRESH_MS ?? '1000';
  if (!/^\d+$/.test(refresh.trim()) || Number(refresh) < 50) {
    throw new ConfigError(
      'AFTERCARE_STATUS_REFRESH_MS',
      `'${refresh}' must be a whole number of milliseconds, at least 50`,
    );
  }
  const lag = env.AFTERCARE_READY_MAX_LAG ?? '1000';
  if (!/^\d+$/.test(lag.trim())) {
    throw new ConfigError('AFTERCARE_READY_MAX_LAG', `'${lag}' must be a whole number of events`);
  }
  return { refreshMs: Number(refresh), readyMaxLag: BigInt(lag.trim()) };
}

/** AFTERCARE_AUDIT_CHECKPOINT_MINUTES: how often warranty stream heads are signed (0: never). */
export function auditCheckpointMinutes(env: Env): number {
  const raw = env.AFTERCARE_AUDIT_CHECKPOINT_MINUTES ?? '60';
  const minutes = Number(raw);
  if (!Number.isFinite(minutes) || minutes < 0) {
    throw new ConfigError(
      'AFTERCARE_AUDIT_CHECKPOINT_MINUTES',
      `'${raw}' is not a number of minutes`,
    );
  }
  return minutes;
}

/** Where read models live and whether this process runs projections, before each app's default. */
export interface ReadModelConfig {
  /** AFTERCARE_PROJECTIONS: on/off; undefined leaves it to the app (see ProjectionsModule). */
  run: boolean | undefined;
  /** AFTERCARE_READ_MODELS; defaults to sqlite with the sqlite store, else postgres. */
  kind: 'sqlite' | 'postgres';
  /** AFTERCARE_READ_MODEL_PATH; defaults to the sqlite store's file, else ./data/read-models.db. */
  path: string;
  /** AFTERCARE_PG_READ_SCHEMA, default aftercare_read. */
  schema: string;
  /**
   * AFTERCARE_REBUILD_LAG: a projection more positions than this behind the store's head when this
   * process takes it is rebuilt on a worker thread (the offline path, embedded SQLite only), then
   * runs live from where the rebuild ended. Default 50000; `off`: always catch up event by event.
   */
  rebuildLag: bigint | undefined;
}

/**
 * The process's configuration, typed: every setting read from the environment once, at start,
 * by @nestjs/config (`aftercareConfig`). Loading is the schema: each part is parsed and checked,
 * and a bad value throws a `ConfigError` naming its variable, which stops the process (exit 2).
 * The background loops' switches (signals, playbooks, webhook deliveries) are undefined when not
 * set: each defaults to where the projections run, which depends on the application.
 */
export interface AftercareConfig {
  store: StoreConfig;
  readModels: ReadModelConfig;
  http: HttpSettings;
  oidc: OidcSettings | undefined;
  runtimeStatus: RuntimeStatusSettings;
  /** AFTERCARE_LOOP_LEASE_TTL_MS (15000). */
  loopLeaseTtlMs: number;
  /** AFTERCARE_CLV_REFIT_HOURS (24; 0 turns the scheduled refit off). */
  clvRefitHours: number;
  /** AFTERCARE_SSE_HEARTBEAT_MS (15000). */
  sseHeartbeatMs: number;
  /** AFTERCARE_AUDIT_CHECKPOINT_MINUTES (60; 0: only on demand). */
  auditCheckpointMinutes: number;
  /** PORT (3000) and HOST (127.0.0.1): where the API listens. */
  server: { port: number; host: string };
  /** The master key and the audit signing key: values or key files. */
  keys: KeySettings;
  /** AFTERCARE_SIGNALS, AFTERCARE_SIGNALS_SWEEP_MS. */
  signals: SignalConfig;
  /** AFTERCARE_PLAYBOOKS, AFTERCARE_FOLLOW_UP_SWEEP_MS, AFTERCARE_PLAYBOOK_MAX_CAUSE_AGE_DAYS, AFTERCARE_PROMISE_GRACE_MINUTES. */
  followUps: FollowUpConfig;
  /** AFTERCARE_WEBHOOKS, AFTERCARE_WEBHOOK_* (backoff, timeout, attempts, allowed hosts). */
  webhooks: WebhookConfig;
}

function onOff(env: Env, name: string): boolean | undefined {
  const value = env[name]?.trim().toLowerCase();
  if (value === undefined) return undefined;
  if (value !== 'on' && value !== 'off') {
    throw new ConfigError(name, `'${env[name]}' must be on or off`);
  }
  return value === 'on';
}

function number(
  env: Env,
  name: string,
  fallback: number,
  check: (n: number) => boolean,
  rule: string,
): number {
  const raw = env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !check(value)) {
    throw new ConfigError(name, `'${env[name]}' must be ${rule}`);
  }
  return value;
}

export function loadReadModelConfig(store: StoreConfig, env: Env): ReadModelConfig {
  const kind = (
    env.AFTERCARE_READ_MODELS ?? (store.kind === 'sqlite' ? 'sqlite' : 'postgres')
  ).trim();
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new ConfigError(
      'AFTERCARE_READ_MODELS',
      `'${env.AFTERCARE_READ_MODELS}' must be sqlite or postgres`,
    );
  }
  const schema = env.AFTERCARE_PG_READ_SCHEMA ?? 'aftercare_read';
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new ConfigError(
      'AFTERCARE_PG_READ_SCHEMA',
      `'${schema}' must be a lower-case SQL identifier`,
    );
  }
  const rebuildLag = (env.AFTERCARE_REBUILD_LAG ?? '50000').trim().toLowerCase();
  if (rebuildLag !== 'off' && !/^\d+$/.test(rebuildLag)) {
    throw new ConfigError(
      'AFTERCARE_REBUILD_LAG',
      `'${env.AFTERCARE_REBUILD_LAG}' must be a whole number of positions, or off`,
    );
  }
  return {
    run: onOff(env, 'AFTERCARE_PROJECTIONS'),
    kind,
    path:
      env.AFTERCARE_READ_MODEL_PATH ??
      (store.kind === 'sqlite' ? store.sqlitePath : './data/read-models.db'),
    schema,
    rebuildLag: rebuildLag === 'off' ? undefined : BigInt(rebuildLag),
  };
}

/** What a command's options settle over the environment's settings. */
export interface ConfigOverrides {
  /** The SQLite store's file instead of AFTERCARE_SQLITE_PATH (`seed --store-path`); keys beside it follow. */
  sqlitePath?: string;
  /** A bulk load (seed): synchronous=NORMAL unless AFTERCARE_SQLITE_SYNCHRONOUS is set. */
  bulkLoad?: boolean;
}

/** Reads and checks every setting; throws a `ConfigError` naming the first bad variable. */
export function loadAftercareConfig(
  environment: Env = process.env,
  overrides: ConfigOverrides = {},
): AftercareConfig {
  const env: Env = {
    ...environment,
    ...(overrides.sqlitePath !== undefined ? { AFTERCARE_SQLITE_PATH: overrides.sqlitePath } : {}),
    ...(overrides.bulkLoad
      ? { AFTERCARE_SQLITE_SYNCHRONOUS: environment.AFTERCARE_SQLITE_SYNCHRONOUS ?? 'normal' }
      : {}),
  };
  const store = loadStoreConfig(env as NodeJS.ProcessEnv);
  return {
    store,
    readModels: loadReadModelConfig(store, env),
    http: loadHttpSettings(env as NodeJS.ProcessEnv),
    oidc: loadOidcSettings(env as NodeJS.ProcessEnv),
    runtimeStatus: runtimeStatusSettingsFromEnv(env),
    loopLeaseTtlMs: loopLeaseTtlFromEnv(env as NodeJS.ProcessEnv),
    clvRefitHours: number(env, 'AFTERCARE_CLV_REFIT_HOURS', 24, () => true, 'a number of hours'),
    sseHeartbeatMs: number(
      env,
      'AFTERCARE_SSE_HEARTBEAT_MS',
      15_000,
      (n) => Number.isInteger(n) && n >= 100,
      'a whole number of milliseconds, at least 100',
    ),
    auditCheckpointMinutes: auditCheckpointMinutes(env),
    server: {
      port: number(env, 'PORT', 3000, (n) => Number.isInteger(n) && n < 65536, 'a TCP port'),
      host: env.HOST?.trim() || '127.0.0.1',
    },
    keys: loadKeySettings(env as NodeJS.ProcessEnv, store),
    signals: parseSignalConfig(env as NodeJS.ProcessEnv),
    followUps: parseFollowUpConfig(env as NodeJS.ProcessEnv),
    webhooks: parseWebhookConfig(env as NodeJS.ProcessEnv),
  };
}
