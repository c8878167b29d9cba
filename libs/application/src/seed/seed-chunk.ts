import { type SerializedAppend, serializeAppend } from '@aftercare/event-store';
import type {
  CommandRefusal,
  PreparedWorld,
  ResolvedWorldOptions,
  WorldBatch,
} from '@aftercare/simulation';

/** Customers per chunk: the unit a seed simulates, posts between threads, commits and reports. */
export const CUSTOMERS_PER_CHUNK = 250;

/**
 * The appends of a run of customers in sign-up order, serialised and counted: what the main
 * thread needs to store them, write the truth and report, and nothing more (cheap to post).
 */
export type SeedChunk = {
  index: number;
  appends: SerializedAppend[];
  customers: number;
  events: number;
  streams: number;
  warrantyClaims: number;
  stoppedBuying: number;
  /** NDJSON lines of the ground truth, one per customer. */
  truthLines: string[];
  refusals: CommandRefusal[];
};

export function chunkCount(options: ResolvedWorldOptions): number {
  return Math.max(1, Math.ceil(options.customers / CUSTOMERS_PER_CHUNK));
}

/** Chunk `index` of the world: the policies first in chunk 0, then its customers. */
export function seedChunk(
  world: PreparedWorld,
  options: ResolvedWorldOptions,
  index: number,
): SeedChunk {
  const chunk: SeedChunk = {
    index,
    appends: [],
    customers: 0,
    events: 0,
    streams: 0,
    warrantyClaims: 0,
    stoppedBuying: 0,
    truthLines: [],
    refusals: [],
  };
  if (index === 0) for (const batch of world.policyBatches) add(chunk, batch);
  const end = Math.min(options.customers, (index + 1) * CUSTOMERS_PER_CHUNK);
  for (let k = index * CUSTOMERS_PER_CHUNK; k < end; k++) {
    for (const batch of world.customerBatches(k)) add(chunk, batch);
  }
  return chunk;
}

function add(chunk: SeedChunk, batch: WorldBatch): void {
  chunk.appends.push(serializeAppend(batch.streamId, batch.events, batch.expectedRevision));
  chunk.events += batch.events.length;
  if (batch.expectedRevision === 'no_stream') chunk.streams++;
  if (batch.refusals) chunk.refusals.push(...batch.refusals);
  const t = batch.truth;
  if (t) {
    chunk.customers++;
    chunk.warrantyClaims += t.warrantyClaims;
    if (t.stoppedAt !== null) chunk.stoppedBuying++;
    chunk.truthLines.push(JSON.stringify({ kind: 'customer', ...t }));
  }
}
