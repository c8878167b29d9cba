import type { EventStore, RecordedEvent } from '@aftercare/event-store';
import { CHURN_STREAM_CATEGORIES } from '@aftercare/projections';

/** Progress of a read through the store: events read, where it is, and the head it reads to. */
export type ReadProgress = (progress: { events: number; position: bigint; head: bigint }) => void;

const PROGRESS_EVERY = 10_000;

/**
 * The events churn and CLV read (the customer, promise and follow-up task streams), in store
 * order, each with its business time (`occurredAt` as written, and in epoch milliseconds); events
 * without one are passed over. Progress is reported every 10,000 events and, with `reportEnd`,
 * once more at the head when the read is done.
 */
export async function* churnHistory(
  store: EventStore,
  onProgress?: ReadProgress,
  options: { reportEnd?: boolean } = {},
): AsyncIterable<{ event: RecordedEvent; at: string; atMs: number }> {
  const head = (await store.headPosition()) ?? 0n;
  let read = 0;
  for await (const event of store.readAll({
    filter: { categories: [...CHURN_STREAM_CATEGORIES] },
  })) {
    if (++read % PROGRESS_EVERY === 0)
      onProgress?.({ events: read, position: event.position, head });
    const at = (event.data as { occurredAt?: unknown } | null)?.occurredAt;
    if (typeof at !== 'string') continue;
    yield { event, at, atMs: Date.parse(at) };
  }
  if (options.reportEnd) onProgress?.({ events: read, position: head, head });
}
