import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { Pool } from 'pg';
import type { EventStore, StoreConfig } from '@aftercare/event-store';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import { EVENT_STORE, STORE_CONFIG } from '../store/event-store.module';
import { PostgresApiKeyStore, SqliteApiKeyStore, type ApiKeyStore } from './api-key.store';
import { ApiKeys } from './api-keys';
import { Authenticator } from './authenticator';

export const API_KEY_STORE = Symbol('API_KEY_STORE');

export interface OpenedApiKeyStore {
  store: ApiKeyStore;
  close(): Promise<void>;
}

/**
 * Keys live beside the events: in the embedded SQLite file (sharing the event store's connection
 * when there is one), otherwise in PostgreSQL (DATABASE_URL, AFTERCARE_PG_SCHEMA), also when the
 * events are in EventStoreDB.
 */
export async function openApiKeyStore(
  config: StoreConfig,
  eventStore?: EventStore,
): Promise<OpenedApiKeyStore> {
  if (config.kind === 'sqlite') {
    if (eventStore instanceof SqliteEventStore) {
      return { store: new SqliteApiKeyStore(eventStore.db), close: async () => undefined };
    }
    if (config.sqlitePath !== ':memory:')
      mkdirSync(dirname(config.sqlitePath), { recursive: true });
    const db = new Database(config.sqlitePath, { timeout: 5000 });
    db.pragma('journal_mode = WAL');
    return { store: new SqliteApiKeyStore(db), close: async () => void db.close() };
  }
  const pool = new Pool({ connectionString: config.databaseUrl, max: 4 });
  pool.on('error', () => undefined);
  try {
    const store = await PostgresApiKeyStore.open(pool, config.postgresSchema);
    return { store, close: () => pool.end() };
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }
}

const OPENED_KEY_STORE = Symbol('OPENED_KEY_STORE');

@Injectable()
class ApiKeyStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(OPENED_KEY_STORE) private readonly opened: OpenedApiKeyStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.opened.close();
  }
}

/** API keys and the authenticator the HTTP guard uses. Needs EventStoreModule. */
@Global()
@Module({
  providers: [
    {
      provide: OPENED_KEY_STORE,
      inject: [STORE_CONFIG, EVENT_STORE],
      useFactory: (config: StoreConfig, store: EventStore) => openApiKeyStore(config, store),
    },
    {
      provide: API_KEY_STORE,
      inject: [OPENED_KEY_STORE],
      useFactory: (opened: OpenedApiKeyStore) => opened.store,
    },
    {
      provide: ApiKeys,
      inject: [API_KEY_STORE],
      useFactory: (store: ApiKeyStore) => new ApiKeys(store),
    },
    Authenticator,
    ApiKeyStoreCloser,
  ],
  exports: [API_KEY_STORE, ApiKeys, Authenticator],
})
export class IdentityModule {}
