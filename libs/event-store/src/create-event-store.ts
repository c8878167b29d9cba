import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventStore } from './event-store.port';
import { EventStoreDbEventStore } from './eventstoredb/eventstoredb.event-store';
import { PostgresEventStore } from './postgres/postgres.event-store';
import { SqliteEventStore } from './sqlite/sqlite.event-store';
import type { StoreConfig } from './store-config';

/** Opens the adapter the configuration selects. */
export async function createEventStore(config: StoreConfig): Promise<EventStore> {
  switch (config.kind) {
    case 'sqlite':
      if (config.sqlitePath !== ':memory:')
        mkdirSync(dirname(config.sqlitePath), { recursive: true });
      return SqliteEventStore.open({
        path: config.sqlitePath,
        synchronous: config.sqliteSynchronous,
      });
    case 'postgres':
      return PostgresEventStore.connect({
        connectionString: config.databaseUrl,
        schema: config.postgresSchema,
      });
    case 'eventstoredb':
      return EventStoreDbEventStore.connect({ connectionString: config.eventStoreUrl ?? '' });
    default: {
      const never: never = config.kind;
      throw new Error(`Unknown store ${String(never)}`);
    }
  }
}
