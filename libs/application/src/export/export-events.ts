import { timeWindow } from '../time-window';
import type { AllFilter, EventStore, RecordedEvent } from '@aftercare/event-store';
import { csvRow, FileSink } from './file-sink';

export interface ExportEventsOptions {
  out: string;
  format: 'ndjson' | 'csv';
  /** Business time window on the event's occurredAt (record time when it has none), inclusive. */
  from?: string;
  to?: string;
  categories?: string[];
  onProgress?: (done: number, position: bigint) => void;
  /**
   * How personal data leaves: opened, redacted or `{"erased": true}` (see PiiVault.revealEvent).
   * Without it events are written as stored, sealed fields sealed.
   */
  reveal?: (event: RecordedEvent) => Promise<RecordedEvent>;
}

const CSV_COLUMNS = [
  'position',
  'streamId',
  'revision',
  'id',
  'type',
  'customerId',
  'occurredAt',
  'recordedAt',
  'data',
  'metadata',
] as const;

/** Streams every matching event to a file in global order; returns how many were written. */
export async function exportEvents(
  store: EventStore,
  options: ExportEventsOptions,
): Promise<number> {
  const filter: AllFilter = options.categories?.length ? { categories: options.categories } : {};
  const window = timeWindow(options.from, options.to);
  const sink = new FileSink(options.out);
  let written = 0;
  let seen = 0;
  try {
    if (options.format === 'csv') await sink.writeLine(csvRow(CSV_COLUMNS));
    for await (const event of store.readAll({ filter })) {
      seen++;
      if (seen % 1000 === 0) options.onProgress?.(seen, event.position);
      const at = businessTime(event);
      if (at < window.from || at > window.to) continue;
      const shown = options.reveal ? await options.reveal(event) : event;
      await sink.writeLine(options.format === 'csv' ? toCsv(shown) : toNdjson(shown));
      written++;
    }
  } finally {
    await sink.close();
  }
  return written;
}

function businessTime(event: RecordedEvent): number {
  const occurredAt = (event.data as { occurredAt?: unknown }).occurredAt;
  const parsed = typeof occurredAt === 'string' ? Date.parse(occurredAt) : NaN;
  return Number.isNaN(parsed) ? event.recordedAt.getTime() : parsed;
}

function toNdjson(event: RecordedEvent): string {
  return JSON.stringify({
    position: event.position.toString(),
    streamId: event.streamId,
    revision: event.revision.toString(),
    id: event.id,
    type: event.type,
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  });
}

function toCsv(event: RecordedEvent): string {
  const data = event.data as { customerId?: unknown; occurredAt?: unknown };
  return csvRow([
    event.position.toString(),
    event.streamId,
    event.revision.toString(),
    event.id,
    event.type,
    data.customerId,
    data.occurredAt,
    event.recordedAt.toISOString(),
    event.data,
    event.metadata,
  ]);
}
