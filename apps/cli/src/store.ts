import { createEventStore, type EventStore, loadStoreConfig } from '@aftercare/event-store';

/** Opens the configured store (AFTERCARE_STORE, ...), runs `work`, and always closes it. */
export async function withStore<T>(work: (store: EventStore) => Promise<T>): Promise<T> {
  const store = await createEventStore(loadStoreConfig());
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}
