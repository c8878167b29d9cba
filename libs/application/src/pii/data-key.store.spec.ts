import { randomBytes, randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import {
  describeWithPostgres,
  postgresTestUrl,
} from '../../../read-models/src/testing/read-model-stores';
import { PostgresDataKeyStore } from './data-key.store';

describeWithPostgres('PostgresDataKeyStore', () => {
  const schema = `keys_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  let pool: Pool;
  let keys: PostgresDataKeyStore;

  beforeAll(() => {
    pool = new Pool({ connectionString: postgresTestUrl, max: 2 });
    keys = new PostgresDataKeyStore(pool, schema);
  });

  afterAll(async () => {
    await pool.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await pool.end();
  });

  it('answers keys asked for together with one query, each its own record', async () => {
    const [a, b] = [randomBytes(48), randomBytes(48)];
    await keys.insertIfAbsent('c-a', a, '2026-01-01T00:00:00Z');
    await keys.insertIfAbsent('c-b', b, '2026-01-01T00:00:00Z');
    await keys.erase('c-b', '2026-02-01T00:00:00Z');
    const queries = jest.spyOn(pool, 'query');
    try {
      const [first, again, erased, none] = await Promise.all([
        keys.get('c-a'),
        keys.get('c-a'),
        keys.get('c-b'),
        keys.get('c-none'),
      ]);
      expect(queries).toHaveBeenCalledTimes(1);
      expect(first).toEqual({ kind: 'key', wrapped: a });
      expect(again).toEqual(first);
      expect(erased).toEqual({ kind: 'erased', erasedAt: expect.stringMatching(/^2026-02-01/) });
      expect(none).toBeUndefined();
    } finally {
      queries.mockRestore();
    }
  });
});
