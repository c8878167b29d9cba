import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import type { WorldOptions } from '@aftercare/simulation';
import { seedStore } from './world-seeder';

/**
 * A seed is reproducible across versions, not only within one: the same options give the same
 * bytes at the same positions (ids, data and metadata JSON as stored) and the same ground truth,
 * so a store seeded last month can be seeded again today and compared. The digests below were
 * taken from the code as it was when this spec was written; a change meant to alter the world
 * updates them and says so, any other change keeps them.
 */
const WORLDS: { name: string; options: Partial<WorldOptions>; events: string; truth: string }[] = [
  {
    name: 'the default world',
    options: { customers: 400, seed: '1' },
    events: '7843f6e05b1d76f673aaa17cf2cf2a053bc40f687605c74481dc451d6d2a6910',
    truth: 'dab3b4d27d9fe90749e50e0c2e7d1c8fa8b5afd1a0340a598a05284e40334a6a',
  },
  {
    name: 'a world with organic actions, promises and a bad batch',
    options: {
      customers: 300,
      seed: 'golden',
      organicActions: 0.3,
      promises: true,
      badBatch: { sku: 'SMA-CM-ESP', from: '2022-07-01', factor: 5 },
    },
    events: '5d0082bb2da1ef1e1eea10fb0a78672c689dfa9b6344b67155bfa7f406739971',
    truth: '531262a83b6ccef8230905b3ea50bccd59308a04c53165f6a46c18b323573497',
  },
];

let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'aftercare-seed-digest-'));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('seedStore: the bytes a seed stores', () => {
  it.each(WORLDS)('are those recorded for $name', async ({ name, options, events, truth }) => {
    const truthPath = join(dir, `${name}.truth.ndjson`);
    const store = SqliteEventStore.open({ path: ':memory:' });
    try {
      await seedStore(store, options, { workers: 0, truthPath });
      const digest = createHash('sha256');
      const rows = store.db
        .prepare(
          `SELECT position, stream_id, revision, event_id, type, data, metadata
           FROM es_events ORDER BY position`,
        )
        .raw(true)
        .iterate() as IterableIterator<unknown[]>;
      for (const row of rows) digest.update(`${row.join('\u0000')}\n`);
      expect({
        events: digest.digest('hex'),
        truth: createHash('sha256').update(readFileSync(truthPath)).digest('hex'),
      }).toEqual({ events, truth });
    } finally {
      await store.close();
    }
  });
});
