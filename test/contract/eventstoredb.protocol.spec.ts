/**
 * The protocol test server answers what KurrentDB answers, for calls a client may send beyond the
 * ones the adapter needed first: append limits and deadlines, delete and tombstone, subscriptions
 * to one stream, stream metadata, system events. Driven through the official client
 * (@eventstore/db-client), on both append paths (BatchAppend, and Append for servers before
 * 21.10); when EVENTSTORE_URL is set the same cases run against that real server.
 */
import { randomUUID } from 'node:crypto';
import {
  DeadlineExceededError,
  END,
  EventStoreDBClient,
  MaxAppendSizeExceededError,
  START,
  StreamDeletedError,
  StreamNotFoundError,
  WrongExpectedVersionError,
  jsonEvent,
  type ResolvedEvent,
} from '@eventstore/db-client';
import { startEsdbTestServer } from '../support/esdb-test-server/esdb-test-server';

jest.setTimeout(60_000);

const events = (n: number, bytes = 10) =>
  Array.from({ length: n }, (_, i) =>
    jsonEvent({ id: randomUUID(), type: 'Tested', data: { i, pad: 'x'.repeat(bytes) } }),
  );

async function collect(iterable: AsyncIterable<ResolvedEvent>): Promise<ResolvedEvent[]> {
  const out: ResolvedEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

const revisions = (resolved: ResolvedEvent[]) => resolved.map((e) => e.event?.revision);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Target {
  name: string;
  start(): Promise<{ client: EventStoreDBClient; stop(): Promise<void> }>;
}

const targets: Target[] = [true, false].map((batchAppend) => ({
  name: `protocol test server${batchAppend ? '' : ', Append only'}`,
  async start() {
    const server = await startEsdbTestServer({ batchAppend });
    const client = EventStoreDBClient.connectionString(server.connectionString);
    return {
      client,
      stop: async () => {
        await client.dispose();
        await server.stop();
      },
    };
  },
}));
const realServer = process.env.EVENTSTORE_URL;
if (realServer) {
  targets.push({
    name: 'real server',
    async start() {
      const client = EventStoreDBClient.connectionString(realServer);
      return { client, stop: () => client.dispose() };
    },
  });
}

describe.each(targets)('EventStoreDB protocol, $name', (target) => {
  let client: EventStoreDBClient;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ client, stop } = await target.start());
  });
  afterAll(() => stop());
  const stream = () => `protocol-${randomUUID()}`;

  describe('maximum append size (1 MiB by default)', () => {
    it('refuses an append over the limit whole, with MaxAppendSizeExceededError, and writes nothing', async () => {
      const s = stream();
      await client.appendToStream(s, events(1));
      // 3 events of ~400 kB: each fits, together they do not.
      const error = await client.appendToStream(s, events(3, 400_000)).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MaxAppendSizeExceededError);
      expect((error as MaxAppendSizeExceededError).maxAppendSize).toBe(1024 * 1024);
      expect(revisions(await collect(client.readStream(s)))).toEqual([0n]);
    });

    it('accepts an append just under the limit', async () => {
      const s = stream();
      const result = await client.appendToStream(s, events(2, 500_000));
      expect(result.nextExpectedRevision).toBe(1n);
    });
  });

  describe('deadlines', () => {
    it('refuses an append whose deadline has passed and writes nothing', async () => {
      const s = stream();
      await client.appendToStream(s, events(1));
      const error = await client
        .appendToStream(s, events(1), { deadline: 0 })
        .catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DeadlineExceededError);
      await sleep(50);
      expect(revisions(await collect(client.readStream(s)))).toEqual([0n]);
    });
  });

  describe('delete (soft)', () => {
    it('hides the stream (StreamNotFound); an append recreates it and its revisions go on', async () => {
      const s = stream();
      await client.appendToStream(s, events(3));
      await client.deleteStream(s);
      await expect(collect(client.readStream(s))).rejects.toThrow(StreamNotFoundError);

      const result = await client.appendToStream(s, events(2));
      expect(result.nextExpectedRevision).toBe(4n);
      expect(revisions(await collect(client.readStream(s)))).toEqual([3n, 4n]);
    });

    it('lets no_stream recreate a soft-deleted stream but not stream_exists', async () => {
      const s = stream();
      await client.appendToStream(s, events(2));
      await client.deleteStream(s);
      await expect(
        client.appendToStream(s, events(1), { expectedRevision: 'stream_exists' }),
      ).rejects.toThrow(WrongExpectedVersionError);
      const result = await client.appendToStream(s, events(1), { expectedRevision: 'no_stream' });
      expect(result.nextExpectedRevision).toBe(2n);
    });

    it('checks the expected revision: a wrong one is WrongExpectedVersion and deletes nothing', async () => {
      const s = stream();
      await client.appendToStream(s, events(4));
      await expect(client.deleteStream(s, { expectedRevision: 2n })).rejects.toThrow(
        WrongExpectedVersionError,
      );
      expect(await collect(client.readStream(s))).toHaveLength(4);
      await client.deleteStream(s, { expectedRevision: 3n });
      await expect(collect(client.readStream(s))).rejects.toThrow(StreamNotFoundError);
    });
  });

  describe('tombstone (hard delete)', () => {
    it('answers StreamDeleted to reads, appends (any expected revision) and deletes, for good', async () => {
      const s = stream();
      await client.appendToStream(s, events(2));
      await client.tombstoneStream(s);
      await expect(collect(client.readStream(s))).rejects.toThrow(StreamDeletedError);
      for (const expectedRevision of ['any', 'no_stream', 'stream_exists', 1n] as const) {
        await expect(client.appendToStream(s, events(1), { expectedRevision })).rejects.toThrow(
          StreamDeletedError,
        );
      }
      await expect(client.deleteStream(s)).rejects.toThrow(StreamDeletedError);
      await expect(client.tombstoneStream(s)).rejects.toThrow(StreamDeletedError);
    });

    it('leaves a $streamDeleted system event in $all', async () => {
      const s = stream();
      await client.appendToStream(s, events(1));
      await client.tombstoneStream(s);
      const tail = await collect(
        client.readAll({ direction: 'backwards', fromPosition: END, maxCount: 20 }),
      );
      const marker = tail.find((e) => e.event?.streamId === s && e.event.type === '$streamDeleted');
      expect(marker?.event?.revision).toBe((1n << 63n) - 1n);
    });
  });

  describe('subscriptions to one stream', () => {
    it('delivers history from the start, then live events, and nothing of other streams', async () => {
      const s = stream();
      await client.appendToStream(s, events(2));
      const subscription = client.subscribeToStream(s, { fromRevision: START });
      const seen: bigint[] = [];
      let caughtUpAfter = -1;
      subscription.on('caughtUp', () => (caughtUpAfter = seen.length));
      const reading = (async () => {
        for await (const e of subscription) {
          seen.push(e.event!.revision);
          if (seen.length === 4) break;
        }
      })();
      await client.appendToStream(stream(), events(1));
      await client.appendToStream(s, events(2));
      await reading;
      await subscription.unsubscribe();
      expect(seen).toEqual([0n, 1n, 2n, 3n]);
      expect(caughtUpAfter).toBeGreaterThanOrEqual(2);
    });

    it('starts after a given revision, or at the end with only new events', async () => {
      const s = stream();
      await client.appendToStream(s, events(3));
      const after = client.subscribeToStream(s, { fromRevision: 0n });
      const fromEnd = client.subscribeToStream(s, { fromRevision: END });
      const firstTwo = async (sub: typeof after) => {
        const out: bigint[] = [];
        for await (const e of sub) {
          out.push(e.event!.revision);
          if (out.length === 2) break;
        }
        await sub.unsubscribe();
        return out;
      };
      const [a, b] = [firstTwo(after), firstTwo(fromEnd)];
      await sleep(100);
      await client.appendToStream(s, events(2));
      expect(await a).toEqual([1n, 2n]);
      expect(await b).toEqual([3n, 4n]);
    });

    it('ends with StreamDeleted when the stream is tombstoned', async () => {
      const s = stream();
      await client.appendToStream(s, events(1));
      const subscription = client.subscribeToStream(s, { fromRevision: START });
      const ended = new Promise<unknown>((resolve) => subscription.on('error', resolve));
      const reading = (async () => {
        for await (const e of subscription) void e;
      })().catch(() => undefined);
      await sleep(100);
      await client.tombstoneStream(s);
      expect(await ended).toBeInstanceOf(StreamDeletedError);
      await reading;
    });
  });

  describe('stream metadata', () => {
    it('$maxCount keeps only the last events visible to reads', async () => {
      const s = stream();
      await client.appendToStream(s, events(5));
      await client.setStreamMetadata(s, { maxCount: 2 });
      expect(revisions(await collect(client.readStream(s)))).toEqual([3n, 4n]);
      expect((await client.getStreamMetadata(s)).metadata?.maxCount).toBe(2);
      await client.appendToStream(s, events(1));
      expect(revisions(await collect(client.readStream(s)))).toEqual([4n, 5n]);
    });

    it('$tb hides the events before it; $maxAge the ones older than it', async () => {
      const s = stream();
      await client.appendToStream(s, events(4));
      await client.setStreamMetadata(s, { truncateBefore: 3 });
      expect(revisions(await collect(client.readStream(s)))).toEqual([3n]);

      const aged = stream();
      await client.appendToStream(aged, events(2));
      await client.setStreamMetadata(aged, { maxAge: 1 });
      expect(await collect(client.readStream(aged))).toHaveLength(2);
      await sleep(1_100);
      await client.appendToStream(aged, events(1));
      expect(revisions(await collect(client.readStream(aged)))).toEqual([2n]);
    });
  });

  it('types its system events with the $ prefix, as a node writes them', async () => {
    const head = await collect(client.readAll({ fromPosition: START, maxCount: 3 }));
    const settings = head.find((e) => e.event?.streamId === '$settings');
    if (target.name !== 'real server') expect(settings?.event?.type).toBe('$settings');
    for (const e of head) {
      if (e.event?.streamId.startsWith('$')) expect(e.event.type.startsWith('$')).toBe(true);
    }
  });
});
