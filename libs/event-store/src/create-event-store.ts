import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { EventStore } from './event-store.port';
import type { StoreConfig } from './store-config';

/** Opens the adapter the configuration selects, loading only that adapter's driver. */
export async function createEventStore(config: StoreConfig): Promise<EventStore> {
  switch (config.kind) {
    case 'sqlite':
      if (config.sqlitePath !== ':memory:')
        mkdirSync(dirname(config.sqlitePath), { recursive: true });
      return (await import('./sqlite')).SqliteEventStore.open({
        path: config.sqlitePath,
        synchronous: config.sqliteSynchronous,
      });
    case 'postgres':
      return (await import('./postgres')).PostgresEventStore.connect({
        connectionString: config.databaseUrl,
        schema: config.postgresSchema,
      });
    case 'eventstoredb':
      return (await import('./eventstoredb')).EventStoreDbEventStore.connect({
        connectionString: config.eventStoreUrl ?? '',
      });
    default: {
      const never: never = config.kind;
      throw new Error(`Unknown store ${String(never)}`);
    }
  }
}
