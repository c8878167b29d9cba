/** `bench store` on PostgreSQL: the adapter against pg used directly, same rows, same run. */
import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { PostgresEventStore } from '@aftercare/event-store/postgres';
import {
  type Figure,
  type BenchEvent,
  BATCH,
  makeEvents,
  CONCURRENT_CALLERS,
  measure,
} from './store-bench.kit';

export async function benchPostgres(
  events: number,
  singles: number,
  databaseUrl: string,
  log: (line: string) => void,
): Promise<{ title: string; rows: Figure[] } | undefined> {
  const admin = new Client({ connectionString: databaseUrl, connectionTimeoutMillis: 3000 });
  try {
    await admin.connect();
  } catch (error) {
    log(`## PostgreSQL: skipped, not reachable at ${databaseUrl} (${(error as Error).message})`);
    log('');
    return undefined;
  }
  const schema = `bench_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const store = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
  const raw = new Client({ connectionString: databaseUrl });
  const listener = new Client({ connectionString: databaseUrl });
  const callers = Array.from(
    { length: CONCURRENT_CALLERS },
    () => new Client({ connectionString: databaseUrl }),
  );
  try {
    await raw.connect();
    await listener.connect();
    await Promise.all(callers.map((caller) => caller.connect()));
    const table = `${schema}.raw_events`;
    await raw.query(`CREATE TABLE ${table} (
      position bigserial PRIMARY KEY, stream_id text NOT NULL, revision bigint NOT NULL,
      event_id uuid NOT NULL, type text NOT NULL, data jsonb NOT NULL, metadata jsonb NOT NULL,
      recorded_at timestamptz NOT NULL DEFAULT now(),
      UNIQUE (stream_id, revision))`);
    const columns = (e: BenchEvent) => [
      e.streamId,
      e.revision,
      e.id,
      e.type,
      JSON.stringify(e.data),
      JSON.stringify(e.metadata),
    ];
    const insertOne = {
      name: 'raw-insert-one',
      text: `INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata)
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING position`,
    };
    const insertMany = {
      name: 'raw-insert-many',
      text: `INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::uuid[], $4::text[], $5::jsonb[], $6::jsonb[])`,
    };
    const rawMany = (list: BenchEvent[]) =>
      raw.query({
        ...insertMany,
        values: [
          list.map((e) => e.streamId),
          list.map((e) => e.revision),
          list.map((e) => e.id),
          list.map((e) => e.type),
          list.map((e) => JSON.stringify(e.data)),
          list.map((e) => JSON.stringify(e.metadata)),
        ],
      });
    const channel = `${schema}_raw`;
    await listener.query(`LISTEN ${channel}`);

    const rows = await measure(
      store,
      {
        warmUp: () => rawMany(makeEvents(BATCH, BATCH)),
        appendBatches: async (lists) => {
          for (const list of lists) await rawMany(list);
        },
        appendEach: async (list) => {
          for (const e of list) await raw.query({ ...insertOne, values: columns(e) });
        },
        appendEachConcurrently: async (lists) => {
          await Promise.all(
            lists.map(async (list, i) => {
              for (const e of list) await callers[i].query({ ...insertOne, values: columns(e) });
            }),
          );
        },
        // A second store on the schema, subscribed: the writing store then sends its NOTIFYs.
        // Its filter matches none of the appends, so it only wakes and looks.
        subscribeElsewhere: async () => {
          const other = await PostgresEventStore.connect({ connectionString: databaseUrl, schema });
          const subscription = other.subscribeToAll({
            from: 'end',
            filter: { categories: ['elsewhere'] },
          });
          await subscription[Symbol.asyncIterator]().next(); // caught up, listening
          // The writing store looks for listeners once a second (postgres.notifier.ts).
          await new Promise((resolve) => setTimeout(resolve, 1_500));
          return async () => {
            await subscription.close();
            await other.close();
          };
        },
        // Keyset pages of 1000 rows too (one query would hold the whole table in memory); pg
        // parses jsonb with JSON.parse.
        readAll: async () => {
          let count = 0;
          let after = '0';
          for (;;) {
            const { rows: page } = await raw.query<unknown[]>({
              name: 'raw-scan',
              text: `SELECT position, stream_id, revision, event_id, type, data, metadata, recorded_at
                     FROM ${table} WHERE position > $1 ORDER BY position LIMIT 1000`,
              values: [after],
              rowMode: 'array',
            });
            if (!page.length) return count;
            count += page.length;
            after = page[page.length - 1][0] as string;
          }
        },
        // INSERT + pg_notify in one statement, LISTEN on another connection, fetch the row.
        roundTrip: async (e) => {
          const notified = new Promise<string>((resolve) =>
            listener.once('notification', (message) => resolve(message.payload ?? '0')),
          );
          await raw.query({
            name: 'raw-insert-notify',
            text: `WITH inserted AS (
                     INSERT INTO ${table} (stream_id, revision, event_id, type, data, metadata)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING position)
                   SELECT pg_notify('${channel}', position::text) FROM inserted`,
            values: columns(e),
          });
          const position = await notified;
          await listener.query(`SELECT data, metadata FROM ${table} WHERE position = $1`, [
            position,
          ]);
        },
      },
      events,
      singles,
    );

    const { rows: settings } = await admin.query<{ version: string; sync: string }>(
      "SELECT current_setting('server_version') AS version, current_setting('synchronous_commit') AS sync",
    );
    return {
      title: `PostgreSQL ${settings[0].version} (synchronous_commit=${settings[0].sync}, local; raw: one connection, ${CONCURRENT_CALLERS} for the concurrent measure)`,
      rows,
    };
  } finally {
    await store.close();
    await raw.end().catch(() => undefined);
    await listener.end().catch(() => undefined);
    await Promise.all(callers.map((caller) => caller.end().catch(() => undefined)));
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`).catch(() => undefined);
    await admin.end();
  }
}
