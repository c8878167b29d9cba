import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { EventStore, EventToAppend, RecordedEvent } from '@aftercare/event-store';
import type { Projection } from '@aftercare/projections';

/** Per-customer tally used by the runtime's tests. */
export interface TallyState {
  customerId: string;
  events: number;
  total: number;
  types: string[];
}

export interface TallyData {
  customerId: string;
  occurredAt: string;
  amount?: number;
  poison?: boolean;
}

export function tallyProjection(
  overrides: Partial<Projection<TallyState>> = {},
): Projection<TallyState> {
  return {
    name: 'tally',
    version: 1,
    filter: { categories: ['customer'] },
    keyOf: (event) => (event.data as TallyData).customerId,
    initialState: (customerId) => ({ customerId, events: 0, total: 0, types: [] }),
    evolve: (state, event) => {
      const data = event.data as TallyData;
      return {
        ...state,
        events: state.events + 1,
        total: state.total + (data.amount ?? 0),
        types: [...state.types, event.type],
      };
    },
    columns: { events: (s) => s.events, total: (s) => s.total },
    indexes: ['events', 'total'],
    ...overrides,
  };
}

/** Throws on events whose data says `poison: true`, like a handler with a bug. */
export function poisonedTally(): Projection<TallyState> {
  const base = tallyProjection();
  return {
    ...base,
    evolve: (state, event) => {
      if ((event.data as TallyData).poison) throw new Error('cannot handle this event');
      return base.evolve(state, event);
    },
  };
}

/** Folds every event in memory: what a read model must equal after any crash and restart. */
export async function cleanReplay<S>(
  projection: Projection<S>,
  store: EventStore,
): Promise<Map<string, S>> {
  const states = new Map<string, S>();
  for await (const event of store.readAll({ filter: projection.filter })) {
    const key = projection.keyOf(event);
    if (key === undefined) continue;
    states.set(key, projection.evolve(states.get(key) ?? projection.initialState(key), event));
  }
  return states;
}

export function customerEvent(
  customerId: string,
  type: string,
  data: Partial<TallyData> = {},
): EventToAppend<TallyData> {
  return {
    id: randomUUID(),
    type,
    data: { customerId, occurredAt: '2025-01-01T00:00:00.000Z', ...data },
    metadata: { schemaVersion: 1 },
  };
}

/** Appends `count` purchases spread over `customers` customers, one append per event. */
export async function appendPurchases(
  store: EventStore,
  count: number,
  customers = 10,
  offset = 0,
): Promise<RecordedEvent[]> {
  const recorded: RecordedEvent[] = [];
  for (let i = offset; i < offset + count; i++) {
    const customerId = `c${i % customers}`;
    const result = await store.appendToStream(`customer-${customerId}`, [
      customerEvent(customerId, 'PurchaseRecorded', { amount: i }),
    ]);
    recorded.push(...result.events);
  }
  return recorded;
}

export function tempDir(): { path: string; dispose: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'aftercare-rm-'));
  return { path, dispose: () => rmSync(path, { recursive: true, force: true }) };
}

/** Polls `check` until it returns true (or throws its last assertion error after `timeoutMs`). */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs = 15_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
