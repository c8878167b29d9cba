import type { AftercareEvent } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import { FoldedStates } from './folded-states';
import { loadedStream } from './load-stream';

const recorded = (n: number): RecordedEvent => ({
  id: `e${n}`,
  type: 'Noted',
  data: { n },
  metadata: { schemaVersion: 1 },
  streamId: 'customer-ada',
  revision: BigInt(n),
  position: BigInt(n + 1),
  recordedAt: new Date(0),
});
const history = (count: number) => Array.from({ length: count }, (_, n) => recorded(n));

describe('FoldedStates', () => {
  let folded: number;
  const states = () =>
    new FoldedStates<readonly number[], AftercareEvent>(
      () => [],
      (state, event) => {
        folded += 1;
        return [...state, (event.data as unknown as { n: number }).n];
      },
    );

  beforeEach(() => {
    folded = 0;
  });

  it('folds only the events after the state it holds, to the same state as a whole fold', () => {
    const cache = states();
    expect(cache.of(loadedStream('customer-ada', history(3)))).toEqual([0, 1, 2]);
    folded = 0;
    expect(cache.of(loadedStream('customer-ada', history(5)))).toEqual([0, 1, 2, 3, 4]);
    expect(folded).toBe(2);
  });

  it('folds from the start a copy older than the state it holds (a decision on a held copy)', () => {
    const cache = states();
    cache.of(loadedStream('customer-ada', history(5)));
    expect(cache.of(loadedStream('customer-ada', history(2)))).toEqual([0, 1]);
    expect(cache.of(loadedStream('customer-ada', history(3)))).toEqual([0, 1, 2]);
  });

  it('holds nothing half-folded when a fold throws: the next command folds from the start', () => {
    let failAt: number | undefined;
    const cache = new FoldedStates<number[], AftercareEvent>(
      () => [],
      (state, event) => {
        const n = (event.data as unknown as { n: number }).n;
        if (n === failAt) throw new Error('bad event');
        state.push(n); // the cache owns its states: this fold changes them in place
        return state;
      },
    );
    cache.of(loadedStream('customer-ada', history(3)));
    failAt = 4;
    expect(() => cache.of(loadedStream('customer-ada', history(6)))).toThrow('bad event');
    failAt = undefined;
    expect(cache.of(loadedStream('customer-ada', history(6)))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('forgets the least recently used stream past its capacity', () => {
    const cache = new FoldedStates<number, AftercareEvent>(
      () => 0,
      (state) => {
        folded += 1;
        return state + 1;
      },
      1,
    );
    const a = loadedStream('customer-a', history(2));
    cache.of(a);
    cache.of(loadedStream('customer-b', history(2)));
    folded = 0;
    expect(cache.of(a)).toBe(2);
    expect(folded).toBe(2);
  });
});
