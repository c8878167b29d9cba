import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from '@aftercare/projections';
import { generateWorld, type WorldOptions } from '@aftercare/simulation';

/** A simulated world's events as a store would record them, in its append order (specs). */
export function seededWorldEvents(options: Partial<WorldOptions>): RecordedEvent[] {
  const events: RecordedEvent[] = [];
  let position = 0n;
  for (const batch of generateWorld(options)) {
    for (const e of batch.events) {
      position++;
      events.push({
        id: e.id,
        type: e.type,
        data: e.data,
        metadata: { schemaVersion: 1 },
        streamId: batch.streamId,
        revision: position,
        position,
        recordedAt: new Date((e.data as { occurredAt: string }).occurredAt),
      });
    }
  }
  return events;
}

/** Folds events by key, as the projection runtime does. */
export function foldByKey<State>(
  projection: Projection<State>,
  events: readonly RecordedEvent[],
): State[] {
  const states = new Map<string, State>();
  for (const event of events) {
    const key = projection.keyOf(event);
    if (key === undefined) continue;
    states.set(key, projection.evolve(states.get(key) ?? projection.initialState(key), event));
  }
  return [...states.values()];
}
