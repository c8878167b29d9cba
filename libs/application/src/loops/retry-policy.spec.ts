import { LoopTracker, RetryPolicy } from './retry-policy';

describe('the background loops’ retry policy', () => {
  it('doubles from the base up to the cap, jittered within the upper half', () => {
    const low = new RetryPolicy(100, 1_000, () => 0);
    const high = new RetryPolicy(100, 1_000, () => 1);
    expect([1, 2, 3, 4, 5, 6].map((n) => low.delayMs(n))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((n) => high.delayMs(n))).toEqual([
      100, 200, 400, 800, 1000, 1000,
    ]);
  });

  it('reports retrying with the error and the next attempt, and running again after progress', () => {
    const tracker = new LoopTracker('webhook:x');
    const policy = new RetryPolicy(100, 1_000, () => 1);
    expect(tracker.failed(new Error('connection refused'), policy)).toBe(100);
    expect(tracker.failed(new Error('connection refused'), policy)).toBe(200);
    expect(tracker.status()).toMatchObject({
      name: 'webhook:x',
      state: 'retrying',
      lastError: 'connection refused',
      retryAt: expect.any(String),
    });
    tracker.running({ checkpoint: 7n, caughtUp: true });
    expect(tracker.status()).toEqual({
      name: 'webhook:x',
      state: 'running',
      checkpoint: 7n,
      caughtUp: true,
    });
    // Progress resets the count: the next failure waits the base delay again.
    expect(tracker.failed(new Error('again'), policy)).toBe(100);
  });
});
