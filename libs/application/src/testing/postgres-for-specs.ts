import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';

export interface SpecPostgres {
  /** A schema name of this suite's own, dropped after it. */
  readonly schema: string;
  /** The pool, or undefined when PostgreSQL is unreachable here (never under CI=true). */
  pool(): Pool | undefined;
}

/**
 * For a spec's describe block: a pool on DATABASE_URL (default the local `test` database) and a
 * schema of its own, dropped after the suite. Unreachable PostgreSQL fails the suite under
 * CI=true and skips it with a warning elsewhere.
 */
export function postgresForSpec(prefix: string, what: string): SpecPostgres {
  const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
  const schema = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let pool: Pool | undefined;
  let reachable = false;

  beforeAll(async () => {
    pool = new Pool({ connectionString: url, max: 4 });
    pool.on('error', () => undefined);
    reachable = await pool.query('SELECT 1').then(
      () => true,
      (error: unknown) => {
        if (process.env.CI === 'true') throw error;
        console.warn(`PostgreSQL is not reachable at ${url}: ${what} skipped`);
        return false;
      },
    );
  });

  afterAll(async () => {
    if (reachable) await pool?.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await pool?.end();
  });

  return { schema, pool: () => (reachable ? pool : undefined) };
}
