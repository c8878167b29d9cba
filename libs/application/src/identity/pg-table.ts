import type { Pool } from 'pg';

/**
 * Creates a schema and a table in it if they are missing, in one transaction under an advisory
 * lock on `lockKey`, so concurrent first starts take turns (CREATE ... IF NOT EXISTS can race on
 * the catalog).
 */
export async function createPgTable(
  pool: Pool,
  schema: string,
  lockKey: string,
  ddl: string,
): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [lockKey]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(ddl);
    await client.query('COMMIT');
  } catch (error) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
}
