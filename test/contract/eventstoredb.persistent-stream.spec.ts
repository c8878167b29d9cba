/**
 * Persistent subscriptions to one stream (create, subscribe, update, info, list, delete, parked
 * messages) on the protocol test server, through the official client, as KurrentDB answers them;
 * when EVENTSTORE_URL is set the same cases run against that real server.
 */
import { randomUUID } from 'node:crypto';
import {
  END,
  EventStoreDBClient,
  PersistentSubscriptionDoesNotExistError,
  PersistentSubscriptionExistsError,
  START,
  jsonEvent,
  persistentSubscriptionToAllSettingsFromDefaults,
  persistentSubscriptionToStreamSettingsFromDefaults,
  type PersistentSubscriptionToStream,
  type PersistentSubscriptionToStreamResolvedEvent,
} from '@eventstore/db-client';
import { startEsdbTestServer } from '../support/esdb-test-server/esdb-test-server';

jest.setTimeout(60_000);

const events = (n: number) =>
  Array.from({ length: n }, (_, i) => jsonEvent({ id: randomUUID(), type: 'Tested', data: { i } }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Reads `count` events from a group's subscription, acking (or handling) each. */
async function take(
  subscription: PersistentSubscriptionToStream,
  count: number,
  handle: (e: PersistentSubscriptionToStreamResolvedEvent) => Promise<void> = (e) =>
    subscription.ack(e),
): Promise<bigint[]> {
  const seen: bigint[] = [];
  for await (const e of subscription) {
    seen.push(e.event!.revision);
    await handle(e);
    if (seen.length === count) break;
  }
  return seen;
}

interface Target {
  name: string;
  start(): Promise<{ client: EventStoreDBClient; stop(): Promise<void> }>;
}
const targets: Target[] = [
  {
    name: 'protocol test server',
    async start() {
      const server = await startEsdbTestServer({ persistentSubscriptionTickMs: 100 });
      const client = EventStoreDBClient.connectionString(server.connectionString);
      return {
        client,
        stop: async () => {
          await client.dispose();
          await server.stop();
        },
      };
    },
  },
];
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

describe.each(targets)('persistent subscriptions to one stream, $name', (target) => {
  let client: EventStoreDBClient;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    ({ client, stop } = await target.start());
  });
  afterAll(() => stop());
  const names = () => ({ stream: `psub-${randomUUID()}`, group: `group-${randomUUID()}` });

  it("delivers the stream's history from the start and then its live events, nothing else", async () => {
    const { stream, group } = names();
    await client.appendToStream(stream, events(2));
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START }),
    );
    const subscription = client.subscribeToPersistentSubscriptionToStream(stream, group);
    const reading = take(subscription, 4);
    await client.appendToStream(`psub-${randomUUID()}`, events(1));
    await client.appendToStream(stream, events(2));
    expect(await reading).toEqual([0n, 1n, 2n, 3n]);
    await subscription.unsubscribe();
    await client.deletePersistentSubscriptionToStream(stream, group);
  });

  it('starts at a revision (inclusive) or at the end (only new events)', async () => {
    const { stream, group } = names();
    await client.appendToStream(stream, events(3));
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: 1n }),
    );
    await client.createPersistentSubscriptionToStream(
      stream,
      `${group}-end`,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: END }),
    );
    const fromOne = client.subscribeToPersistentSubscriptionToStream(stream, group);
    const fromEnd = client.subscribeToPersistentSubscriptionToStream(stream, `${group}-end`);
    const [a, b] = [take(fromOne, 3), take(fromEnd, 1)];
    await sleep(100);
    await client.appendToStream(stream, events(1));
    expect(await a).toEqual([1n, 2n, 3n]);
    expect(await b).toEqual([3n]);
    await Promise.all([fromOne.unsubscribe(), fromEnd.unsubscribe()]);
  });

  it('answers exists / does not exist as the server does', async () => {
    const { stream, group } = names();
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults(),
    );
    await expect(
      client.createPersistentSubscriptionToStream(
        stream,
        group,
        persistentSubscriptionToStreamSettingsFromDefaults(),
      ),
    ).rejects.toThrow(PersistentSubscriptionExistsError);
    // The same group name on another stream, or on $all, is another group.
    await client.createPersistentSubscriptionToStream(
      `${stream}-other`,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults(),
    );
    await client.deletePersistentSubscriptionToStream(stream, group);
    await expect(client.deletePersistentSubscriptionToStream(stream, group)).rejects.toThrow(
      PersistentSubscriptionDoesNotExistError,
    );
    await expect(client.getPersistentSubscriptionToStreamInfo(stream, group)).rejects.toThrow(
      PersistentSubscriptionDoesNotExistError,
    );
    await expect(
      client.updatePersistentSubscriptionToStream(
        stream,
        group,
        persistentSubscriptionToStreamSettingsFromDefaults(),
      ),
    ).rejects.toThrow(PersistentSubscriptionDoesNotExistError);
    await client.deletePersistentSubscriptionToStream(`${stream}-other`, group);
  });

  it('reports its settings, connections and parked messages, and takes new settings on update', async () => {
    const { stream, group } = names();
    await client.appendToStream(stream, events(3));
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({
        startFrom: START,
        maxRetryCount: 3,
        messageTimeout: 30_000,
      }),
    );
    const subscription = client.subscribeToPersistentSubscriptionToStream(stream, group);
    // Park the first, ack the rest.
    await take(subscription, 3, (e) =>
      e.event!.revision === 0n ? subscription.nack('park', 'bad', e) : subscription.ack(e),
    );
    await sleep(200);
    const info = await client.getPersistentSubscriptionToStreamInfo(stream, group);
    expect(info).toMatchObject({
      eventSource: stream,
      groupName: group,
      settings: { startFrom: START, maxRetryCount: 3, messageTimeout: 30_000 },
    });
    expect(info.connections).toHaveLength(1);
    expect(info.stats.parkedMessageCount).toBe(1n);

    await client.updatePersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults({ startFrom: START, maxRetryCount: 7 }),
    );
    const updated = await client.getPersistentSubscriptionToStreamInfo(stream, group);
    expect(updated.settings.maxRetryCount).toBe(7);
    await subscription.unsubscribe().catch(() => undefined);

    // Parked messages come back on replay, to a new consumer.
    await client.replayParkedMessagesToStream(stream, group);
    const again = client.subscribeToPersistentSubscriptionToStream(stream, group);
    expect(await take(again, 1)).toEqual([0n]);
    await again.unsubscribe();
    await client.deletePersistentSubscriptionToStream(stream, group);
  });

  it('lists the groups of a stream, of $all, and all of them', async () => {
    const { stream, group } = names();
    const allGroup = `all-${randomUUID()}`;
    await client.createPersistentSubscriptionToStream(
      stream,
      group,
      persistentSubscriptionToStreamSettingsFromDefaults(),
    );
    await client.createPersistentSubscriptionToAll(
      allGroup,
      persistentSubscriptionToAllSettingsFromDefaults(),
    );
    const ofStream = await client.listPersistentSubscriptionsToStream(stream);
    expect(ofStream.map((i) => [i.eventSource, i.groupName])).toEqual([[stream, group]]);
    const ofAll = await client.listPersistentSubscriptionsToAll();
    expect(ofAll.map((i) => i.groupName)).toContain(allGroup);
    expect(ofAll.every((i) => i.eventSource === '$all')).toBe(true);
    const every = await client.listAllPersistentSubscriptions();
    expect(every.map((i) => i.groupName)).toEqual(expect.arrayContaining([group, allGroup]));
    await client.deletePersistentSubscriptionToStream(stream, group);
    await client.deletePersistentSubscriptionToAll(allGroup);
  });
});
