/** What the PostgreSQL contract suites share: the database, and a store in a fresh schema. */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore } from '../../libs/event-store/src/postgres/postgres.event-store';
import { postgresTestUrl } from '../../libs/read-models/src/testing/read-model-stores';

export { describeWithPostgres } from '../../libs/read-models/src/testing/read-model-stores';

export const databaseUrl = postgresTestUrl;

/** Each run gets its own schema, dropped afterwards. */
export async function openInFreshSchema() {
  const schema = `contract_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = await PostgresEventStore.connect({
    connectionString: databaseUrl,
    schema,
    pollIntervalMs: 200,
  });
  return {
    store,
    cleanup: async () => {
      await store.close();
      const admin = new Client({ connectionString: databaseUrl });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
