import type { RecordedEvent } from '@aftercare/event-store';
import { foldAsOf } from './as-of';
import type { Projection } from './projection';

interface TallyState {
  customerId: string;
  events: number;
  total: number;
  types: string[];
}

/** Counts and sums each customer's events: enough to see which events a fold applied. */
function tallyProjection(): Projection<TallyState> {
  return {
    name: 'tally',
    version: 1,
    filter: { categories: ['customer'] },
    keyOf: (event) => (event.data as { customerId: string }).customerId,
    initialState: (customerId) => ({ customerId, events: 0, total: 0, types: [] }),
    evolve: (state, event) => ({
      ...state,
      events: state.events + 1,
      total: state.total + ((event.data as { amount?: number }).amount ?? 0),
      types: [...state.types, event.type],
    }),
  };
}

/** Given events in store order (position), each with business and record time. */
function event(
  position: number,
  occurredAt: string,
  recordedAt: string,
  amount: number,
): RecordedEvent {
  return {
    id: `e${position}`,
    type: 'PurchaseRecorded',
    data: { customerId: 'c1', occurredAt, amount },
    metadata: { schemaVersion: 1 },
    streamId: 'customer-c1',
    revision: BigInt(position - 1),
    position: BigInt(position),
    recordedAt: new Date(recordedAt),
  };
}

const history = [
  event(1, '2025-01-10T00:00:00Z', '2025-01-10T00:00:01Z', 1),
  event(2, '2025-02-10T00:00:00Z', '2025-02-10T00:00:01Z', 10),
  // Late-arriving: happened in January, recorded in March.
  event(3, '2025-01-20T00:00:00Z', '2025-03-05T00:00:00Z', 100),
  event(4, '2025-03-10T00:00:00Z', '2025-03-10T00:00:01Z', 1000),
];

describe('foldAsOf', () => {
  const projection = tallyProjection();

  it('without a bound folds everything, like the live projection', async () => {
    expect((await foldAsOf(projection, history, { key: 'c1' })).total).toBe(1111);
  });

  it('by business time applies what happened by T, late records included, in stream order', async () => {
    const state = await foldAsOf(projection, history, { key: 'c1', asOf: '2025-01-31T00:00:00Z' });
    expect(state.total).toBe(101);
    expect(state.events).toBe(2);
  });

  it('by record time applies what the store knew at T', async () => {
    const state = await foldAsOf(projection, history, {
      key: 'c1',
      knownAt: '2025-02-28T00:00:00Z',
    });
    expect(state.total).toBe(11);
  });

  it('with both: what happened by T as known at K (the late record is unknown before March)', async () => {
    const asOf = '2025-01-31T00:00:00Z';
    expect(
      (await foldAsOf(projection, history, { key: 'c1', asOf, knownAt: '2025-02-28T00:00:00Z' }))
        .total,
    ).toBe(1);
    expect(
      (await foldAsOf(projection, history, { key: 'c1', asOf, knownAt: '2025-03-06T00:00:00Z' }))
        .total,
    ).toBe(101);
  });

  it('accepts an async iterable and returns every key without `key`', async () => {
    async function* stream() {
      yield* history;
    }
    const states = await foldAsOf(projection, stream(), { asOf: '2025-02-15T00:00:00Z' });
    expect([...states.keys()]).toEqual(['c1']);
    expect(states.get('c1')?.total).toBe(111);
  });

  it('gives the initial state of a key with no events by then, and rejects a bad instant', async () => {
    expect(await foldAsOf(projection, history, { key: 'c1', asOf: '2024-01-01' })).toEqual(
      projection.initialState('c1'),
    );
    await expect(foldAsOf(projection, history, { asOf: 'yesterday' })).rejects.toThrow(RangeError);
  });
});
