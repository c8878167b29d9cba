import { EventStoreDbEventStore } from '../../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import { startEsdbTestServer } from '../support/esdb-test-server/esdb-test-server';
import { describeEventStoreContract } from './event-store.contract';

describeEventStoreContract('eventstoredb (protocol test server)', async () => {
  const server = await startEsdbTestServer();
  const store = await EventStoreDbEventStore.connect({ connectionString: server.connectionString });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await server.stop();
    },
  };
});

// Servers before 21.10 have no BatchAppend: the client then uses the client-streaming Append.
describeEventStoreContract('eventstoredb (protocol test server, Append only)', async () => {
  const server = await startEsdbTestServer({ batchAppend: false });
  const store = await EventStoreDbEventStore.connect({ connectionString: server.connectionString });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await server.stop();
    },
  };
});

const realServer = process.env.EVENTSTORE_URL;
if (realServer) {
  describeEventStoreContract('eventstoredb (real server)', async () => {
    const store = await EventStoreDbEventStore.connect({ connectionString: realServer });
    return { store, cleanup: () => store.close() };
  });
}
