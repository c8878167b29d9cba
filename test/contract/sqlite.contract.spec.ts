import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { SqliteEventStore } from '../../libs/event-store/src/sqlite/sqlite.event-store';
import type { RecordedEvent } from '../../libs/event-store/src/event-store.port';
import { describeEventStoreContract } from './event-store.contract';
import { openInTempFile } from './sqlite.fixture';

describeEventStoreContract('sqlite', async () => openInTempFile());

describe('SqliteEventStore on one file shared by two instances', () => {
  jest.setTimeout(30_000);
  let dir: string;
  let writer: SqliteEventStore;
  let reader: SqliteEventStore;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-sqlite-'));
    const path = join(dir, 'shared.db');
    writer = SqliteEventStore.open({ path });
    // Another "process": its own connection, it only learns of appends by polling.
    reader = SqliteEventStore.open({ path, pollIntervalMs: 20 });
  });

  afterAll(async () => {
    await writer.close();
    await reader.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const event = (n: number) => ({
    id: randomUUID(),
    type: 'Counted',
    data: { n },
    metadata: { schemaVersion: 1 },
  });

  it('a subscription on the second instance sees appends made through the first', async () => {
    const stream = `shared-${randomUUID()}`;
    await writer.appendToStream(stream, [event(0)]);
    const subscription = reader.subscribeToAll();
    const received: RecordedEvent[] = [];
    let caughtUp = false;
    const done = (async () => {
      for await (const message of subscription) {
        if (message.kind === 'caughtUp') {
          caughtUp = true;
          // Append while the reader is idle, so only its poll can notice.
          void (async () => {
            for (let n = 1; n <= 5; n++) {
              await new Promise((resolve) => setTimeout(resolve, 30));
              await writer.appendToStream(stream, [event(n)]);
            }
          })();
          continue;
        }
        if (message.kind !== 'event') continue;
        received.push(message.event);
        if (received.length === 6) break;
      }
    })();
    await done;
    expect(caughtUp).toBe(true);
    expect(received.map((e) => (e.data as { n: number }).n)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(received.map((e) => e.revision)).toEqual([0n, 1n, 2n, 3n, 4n, 5n]);
  });

  it('keeps events and checkpoints across a reopen', async () => {
    const stream = `reopen-${randomUUID()}`;
    await writer.appendToStream(stream, [event(1), event(2)]);
    await writer.saveCheckpoint('reopen-consumer', 7n);
    const again = SqliteEventStore.open({ path: join(dir, 'shared.db') });
    try {
      const stored: RecordedEvent[] = [];
      for await (const e of again.readStream(stream)) stored.push(e);
      expect(stored.map((e) => e.data)).toEqual([{ n: 1 }, { n: 2 }]);
      expect(await again.loadCheckpoint('reopen-consumer')).toBe(7n);
    } finally {
      await again.close();
    }
  });

  it('lets a read model commit its rows and its checkpoint in one transaction on db', async () => {
    writer.db.exec('CREATE TABLE IF NOT EXISTS rm_counts (stream TEXT PRIMARY KEY, n INTEGER)');
    const project = writer.db.transaction((position: bigint) => {
      writer.db.prepare('INSERT OR REPLACE INTO rm_counts VALUES (?, ?)').run('x', 1);
      writer.saveCheckpointSync('rm-counts', position);
    });
    project(3n);
    expect(await writer.loadCheckpoint('rm-counts')).toBe(3n);
  });
});

describe('SqliteEventStore filtered reads over a long log', () => {
  it('finds rare matches past many scan windows, in reads and subscriptions', async () => {
    const store = SqliteEventStore.open({ path: ':memory:' });
    try {
      const filler = (n: number) =>
        Array.from({ length: n }, (_, i) => ({
          id: randomUUID(),
          type: 'Filler',
          data: { i },
          metadata: { schemaVersion: 1 },
        }));
      const rare = { id: randomUUID(), type: 'Rare', data: {}, metadata: { schemaVersion: 1 } };
      await store.appendToStream('rare-1', [{ ...rare, id: randomUUID() }]);
      for (let i = 0; i < 90; i++) await store.appendToStream(`filler-${i}`, filler(500));
      await store.appendToStream('rare-2', [rare]);

      const found: RecordedEvent[] = [];
      for await (const e of store.readAll({ filter: { categories: ['rare'] } })) found.push(e);
      expect(found.map((e) => e.streamId)).toEqual(['rare-1', 'rare-2']);

      const subscription = store.subscribeToAll({ filter: { eventTypePrefixes: ['Rare'] } });
      const seen: string[] = [];
      for await (const message of subscription) {
        if (message.kind === 'caughtUp') {
          expect(message.position).toBe(await store.headPosition());
          break;
        }
        if (message.kind === 'event') seen.push(message.event.streamId);
      }
      expect(seen).toEqual(['rare-1', 'rare-2']);
    } finally {
      await store.close();
    }
  });
});
