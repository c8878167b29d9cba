/**
 * A filtered subscription that has caught up and then scans past events its filter leaves out
 * says how far it has looked (`checkpoint`), so a consumer waiting for a position learns it has
 * nothing left to handle up to there; it says nothing when the last event it looked at was one
 * it delivered. Both stores that page through the log themselves (SQLite, PostgreSQL).
 */
import { randomUUID } from 'node:crypto';
import type { EventStore, SubscriptionMessage } from '../../libs/event-store/src/event-store.port';
import { describeWithPostgres, openInFreshSchema } from './postgres.fixture';
import { openInTempFile } from './sqlite.fixture';

const event = () => ({ id: randomUUID(), type: 'Thing', data: {}, metadata: { schemaVersion: 1 } });

function behaves(open: () => Promise<{ store: EventStore; cleanup: () => Promise<void> }>) {
  let store: EventStore;
  let cleanup: () => Promise<void>;
  beforeEach(async () => ({ store, cleanup } = await open()));
  afterEach(async () => cleanup());

  it('says how far it looked past events its filter leaves out, once it has caught up', async () => {
    await store.appendToStream('kept-1', [event()]);
    const subscription = store.subscribeToAll({ from: 'start', filter: { categories: ['kept'] } });
    const iterator = subscription[Symbol.asyncIterator]();
    const next = async (): Promise<SubscriptionMessage> => (await iterator.next()).value;
    try {
      expect(await next()).toMatchObject({ kind: 'event', event: { streamId: 'kept-1' } });
      expect(await next()).toMatchObject({ kind: 'caughtUp' });

      const skipped = await store.appendToStream('other-1', [event(), event()]);
      expect(await next()).toEqual({ kind: 'checkpoint', position: skipped.position });

      // The last event looked at was delivered: no checkpoint after it.
      await store.appendToStream('other-2', [event()]);
      const kept = await store.appendToStream('kept-1', [event()]);
      const messages: SubscriptionMessage[] = [];
      for (;;) {
        const message = await next();
        messages.push(message);
        if (message.kind === 'event') break;
      }
      expect(messages.at(-1)).toMatchObject({ event: { position: kept.position } });
      // Whether the store looked at other-2 on its own first is a matter of timing; if it
      // did, it said so with its position.
      for (const message of messages.slice(0, -1)) {
        expect(message).toMatchObject({ kind: 'checkpoint' });
      }
      const more = await Promise.race([
        next(),
        new Promise((resolve) => setTimeout(() => resolve('quiet'), 300)),
      ]);
      expect(more).toBe('quiet');
    } finally {
      await subscription.close();
    }
  });
}

describe('subscription checkpoints [sqlite]', () => {
  behaves(async () => openInTempFile({ pollIntervalMs: 20 }));
});

describeWithPostgres('subscription checkpoints [postgres]', () => {
  behaves(openInFreshSchema);
});
