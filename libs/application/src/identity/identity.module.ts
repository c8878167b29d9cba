import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Pool } from 'pg';
import type { EventStore, StoreConfig } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { EVENT_STORE, STORE_CONFIG } from '../store/event-store.module';
import {
  AccessLog,
  PostgresAccessLogStore,
  SqliteAccessLogStore,
  type AccessLogStore,
} from './access-log';
import { PostgresApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from './api-key.store';
import { ApiKeys } from './api-keys';
import { Authenticator } from './authenticator';
import { OidcVerifier } from './oidc';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';

export const API_KEY_STORE = Symbol('API_KEY_STORE');

export interface IdentityStores {
  keys: ApiKeyStore;
  accessLog: AccessLogStore;
  close(): Promise<void>;
}

/**
 * API keys and the access log live beside the events: in the embedded SQLite file (sharing the
 * event store's connection when there is one), otherwise in PostgreSQL (DATABASE_URL,
 * AFTERCARE_PG_SCHEMA), also when the events are in EventStoreDB.
 */
export async function openIdentityStores(
  config: StoreConfig,
  eventStore?: EventStore,
): Promise<IdentityStores> {
  if (config.kind === 'sqlite') {
    const shared = eventStore instanceof SqliteEventStore ? eventStore.db : undefined;
    if (!shared && config.sqlitePath !== ':memory:') {
      mkdirSync(dirname(config.sqlitePath), { recursive: true });
    }
    const db = shared ?? new Database(config.sqlitePath, { timeout: 5000 });
    if (!shared) db.pragma('journal_mode = WAL');
    return {
      keys: new SqliteApiKeyStore(db),
      accessLog: new SqliteAccessLogStore(db),
      close: async () => void (shared ? undefined : db.close()),
    };
  }
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  try {
    return {
      keys: await PostgresApiKeyStore.open(pool, config.postgresSchema),
      accessLog: await PostgresAccessLogStore.open(pool, config.postgresSchema),
      close: () => pool.end(),
    };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}

const IDENTITY_STORES = Symbol('IDENTITY_STORES');

@Injectable()
class IdentityStoresCloser implements OnApplicationShutdown {
  constructor(@Inject(IDENTITY_STORES) private readonly stores: IdentityStores) {}

  async onApplicationShutdown(): Promise<void> {
    await this.stores.close();
  }
}

/** API keys, OIDC tokens, the authenticator the HTTP guard uses and the access log. */
@Global()
@Module({
  providers: [
    {
      provide: IDENTITY_STORES,
      inject: [STORE_CONFIG, EVENT_STORE],
      useFactory: (config: StoreConfig, store: EventStore) => openIdentityStores(config, store),
    },
    {
      provide: API_KEY_STORE,
      inject: [IDENTITY_STORES],
      useFactory: (stores: IdentityStores) => stores.keys,
    },
    {
      provide: ApiKeys,
      inject: [API_KEY_STORE],
      useFactory: (store: ApiKeyStore) => new ApiKeys(store),
    },
    {
      provide: AccessLog,
      inject: [IDENTITY_STORES],
      useFactory: (stores: IdentityStores) => new AccessLog(stores.accessLog),
    },
    {
      provide: OidcVerifier,
      inject: [AFTERCARE_CONFIG],
      useFactory: (config: AftercareConfig): OidcVerifier | null => {
        const settings = config.oidc;
        return settings ? new OidcVerifier(settings) : null;
      },
    },
    Authenticator,
    IdentityStoresCloser,
  ],
  exports: [API_KEY_STORE, ApiKeys, AccessLog, Authenticator],
})
export class IdentityModule {}
