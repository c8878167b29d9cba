import type { StoreKind } from './event-store.port';

export interface StoreConfig {
  kind: StoreKind;
  sqlitePath: string;
  sqliteSynchronous: 'full' | 'normal';
  databaseUrl: string;
  postgresSchema: string;
  eventStoreUrl?: string;
}

/** A configuration value that cannot be used; the message names the variable. */
export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

const KINDS: readonly StoreKind[] = ['sqlite', 'postgres', 'eventstoredb'];

/** Reads and validates the store settings from the environment (see README, Configuration). */
export function loadStoreConfig(env: NodeJS.ProcessEnv): StoreConfig {
  const kind = (env.AFTERCARE_STORE ?? 'sqlite').trim() as StoreKind;
  if (!KINDS.includes(kind)) {
    throw new ConfigError(
      'AFTERCARE_STORE',
      `'${env.AFTERCARE_STORE}' is not a store; use one of ${KINDS.join(', ')}`,
    );
  }
  const sqliteSynchronous = (env.AFTERCARE_SQLITE_SYNCHRONOUS ?? 'full').trim().toLowerCase();
  if (sqliteSynchronous !== 'full' && sqliteSynchronous !== 'normal') {
    throw new ConfigError(
      'AFTERCARE_SQLITE_SYNCHRONOUS',
      `'${sqliteSynchronous}' must be full or normal`,
    );
  }
  const databaseUrl = env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  if (kind === 'postgres' && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError(
      'DATABASE_URL',
      `'${databaseUrl}' is not a postgres:// connection string`,
    );
  }
  const postgresSchema = env.AFTERCARE_PG_SCHEMA ?? 'aftercare';
  if (!/^[a-z_][a-z0-9_]*$/.test(postgresSchema)) {
    throw new ConfigError(
      'AFTERCARE_PG_SCHEMA',
      `'${postgresSchema}' must be a lower-case SQL identifier`,
    );
  }
  const eventStoreUrl = env.EVENTSTORE_URL;
  if (kind === 'eventstoredb') {
    if (!eventStoreUrl) {
      throw new ConfigError('EVENTSTORE_URL', 'is required when AFTERCARE_STORE=eventstoredb');
    }
    if (!/^(esdb|kurrentdb|kdb)(\+discover)?:\/\//.test(eventStoreUrl)) {
      throw new ConfigError(
        'EVENTSTORE_URL',
        `'${eventStoreUrl}' is not an esdb:// connection string`,
      );
    }
  }
  return {
    kind,
    sqlitePath: env.AFTERCARE_SQLITE_PATH ?? './data/aftercare.db',
    sqliteSynchronous,
    databaseUrl,
    postgresSchema,
    eventStoreUrl,
  };
}
