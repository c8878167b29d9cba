import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';
import { passesFilter } from './event-filter';

export interface AsOfOptions {
  /** Business time (ISO 8601): only events that happened by then (`data.occurredAt <= asOf`). */
  asOf?: string;
  /** Record time (ISO 8601): only events the store had recorded by then (`recordedAt <= knownAt`). */
  knownAt?: string;
}

/**
 * The same fold as the live projection, stopped at a point in time. Events are applied in the
 * order given (the store's global order), so a late-arriving record that happened before `asOf`
 * is applied where it was recorded; with `knownAt` as well, only if it was recorded by then.
 * With `key`, returns that key's state (its initial state when no event applies); without,
 * every key's state.
 */
export async function foldAsOf<State>(
  projection: Projection<State>,
  events: AsyncIterable<RecordedEvent> | Iterable<RecordedEvent>,
  options: AsOfOptions & { key: string },
): Promise<State>;
export async function foldAsOf<State>(
  projection: Projection<State>,
  events: AsyncIterable<RecordedEvent> | Iterable<RecordedEvent>,
  options?: AsOfOptions,
): Promise<Map<string, State>>;
export async function foldAsOf<State>(
  projection: Projection<State>,
  events: AsyncIterable<RecordedEvent> | Iterable<RecordedEvent>,
  options: AsOfOptions & { key?: string } = {},
): Promise<State | Map<string, State>> {
  const asOf = options.asOf === undefined ? undefined : instant(options.asOf, 'asOf');
  const knownAt = options.knownAt === undefined ? undefined : instant(options.knownAt, 'knownAt');
  const states = new Map<string, State>();
  for await (const event of events) {
    if (!passesFilter(projection.filter, event.streamId, event.type)) continue;
    if (knownAt !== undefined && event.recordedAt.getTime() > knownAt) continue;
    if (asOf !== undefined && occurredAt(event) > asOf) continue;
    const key = projection.keyOf(event);
    if (key === undefined || (options.key !== undefined && key !== options.key)) continue;
    const current = states.has(key) ? states.get(key)! : projection.initialState(key);
    states.set(key, projection.evolve(current, event));
  }
  if (options.key === undefined) return states;
  return states.has(options.key) ? states.get(options.key)! : projection.initialState(options.key);
}

/** Business time of an event: `data.occurredAt`, or its record time when it carries none. */
function occurredAt(event: RecordedEvent): number {
  const data = event.data as { occurredAt?: unknown } | null;
  const value = data && typeof data === 'object' ? data.occurredAt : undefined;
  if (typeof value === 'string') {
    const parsed = Date.parse(value);
    if (!Number.isNaN(parsed)) return parsed;
  }
  return event.recordedAt.getTime();
}

function instant(value: string, name: string): number {
  const parsed = Date.parse(value);
  if (Number.isNaN(parsed)) throw new RangeError(`${name} '${value}' is not an ISO 8601 instant`);
  return parsed;
}
