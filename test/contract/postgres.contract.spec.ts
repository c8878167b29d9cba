import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore } from '../../libs/event-store/src/postgres/postgres.event-store';
import { describeEventStoreContract } from './event-store.contract';

const databaseUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/**
 * jest declares tests synchronously, so reachability is probed synchronously, in a child process,
 * before the suite is declared.
 */
function reachable(): boolean {
  const probe = `
    const { Client } = require('pg');
    const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
    client.connect().then(() => client.query('SELECT 1')).then(
      () => client.end().then(() => process.exit(0)),
      () => process.exit(1),
    );`;
  const result = spawnSync(process.execPath, ['-e', probe, databaseUrl], {
    cwd: __dirname,
    timeout: 10_000,
    stdio: 'ignore',
  });
  return result.status === 0;
}

/** Each run gets its own schema, dropped afterwards. */
async function openInFreshSchema() {
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

if (reachable()) {
  describeEventStoreContract('postgres', openInFreshSchema);
} else if (process.env.CI === 'true') {
  // On CI a missing database is a failure, never a silent skip.
  describe('EventStore contract [postgres]', () => {
    it(`needs PostgreSQL at ${databaseUrl} (CI=true)`, () => {
      throw new Error(`PostgreSQL is not reachable at ${databaseUrl}; set DATABASE_URL`);
    });
  });
} else {
  console.warn(
    `PostgreSQL is not reachable at ${databaseUrl}: the postgres contract suite is skipped. ` +
      'Set DATABASE_URL to run it.',
  );
  describe.skip('EventStore contract [postgres]', () => {
    it('needs PostgreSQL', () => undefined);
  });
}
