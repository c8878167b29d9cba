/** What the SQLite contract suites share: a store in a fresh temporary file. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  SqliteEventStore,
  type SqliteEventStoreOptions,
} from '../../libs/event-store/src/sqlite/sqlite.event-store';

/** Each call gets its own directory, removed with the store. */
export function openInTempFile(options: Omit<SqliteEventStoreOptions, 'path'> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-contract-'));
  const store = SqliteEventStore.open({ ...options, path: join(dir, 'events.db') });
  return {
    store,
    cleanup: async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
