import { EventStoreDbEventStore } from '../../libs/event-store/src/eventstoredb/eventstoredb.event-store';
import { startEsdbTestServer } from '../support/esdb-test-server/esdb-test-server';
import {
  ALL_PARTS,
  APPEND_PARTS,
  describeEventStoreContract,
  type ContractPart,
} from './event-store.contract';

async function onTestServer(options: Parameters<typeof startEsdbTestServer>[0] = {}) {
  const server = await startEsdbTestServer(options);
  const store = await EventStoreDbEventStore.connect({ connectionString: server.connectionString });
  return {
    store,
    cleanup: async () => {
      await store.close();
      await server.stop();
    },
  };
}

// Reads of $all are filtered on the client (the client has no server-side filter for reads), so
// they run on a server of their own rather than behind the thousands of events the other parts
// append: same checks, a fraction of the time.
const ALL_READS: readonly ContractPart[] = ['reading $all'];
describeEventStoreContract('eventstoredb (protocol test server)', () => onTestServer(), {
  parts: ALL_PARTS.filter((part) => !ALL_READS.includes(part)),
});
describeEventStoreContract(
  'eventstoredb (protocol test server, $all reads)',
  () => onTestServer(),
  {
    parts: ALL_READS,
  },
);

// Servers before 21.10 have no BatchAppend: the client then uses the client-streaming Append. Only
// the append path differs, so only the parts that append are run again.
describeEventStoreContract(
  'eventstoredb (protocol test server, Append only)',
  () => onTestServer({ batchAppend: false }),
  { parts: APPEND_PARTS },
);

const realServer = process.env.EVENTSTORE_URL;
if (realServer) {
  describeEventStoreContract('eventstoredb (real server)', async () => {
    const store = await EventStoreDbEventStore.connect({ connectionString: realServer });
    return { store, cleanup: () => store.close() };
  });
}
