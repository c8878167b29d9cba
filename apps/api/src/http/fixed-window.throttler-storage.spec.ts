import { FixedWindowThrottlerStorage } from './fixed-window.throttler-storage';

describe('rate-limit counters', () => {
  let now = 0;
  const storage = () => new FixedWindowThrottlerStorage(() => now);

  beforeEach(() => (now = 1_000_000));

  it('admits a caller up to the limit in a window, then blocks it until the block ends', async () => {
    const counters = storage();
    for (let i = 1; i <= 3; i++) {
      expect(await counters.increment('default:key:a', 60_000, 3, 60_000, 'default')).toMatchObject(
        { totalHits: i, isBlocked: false, timeToBlockExpire: 0 },
      );
    }
    now += 10_000;
    expect(await counters.increment('default:key:a', 60_000, 3, 60_000, 'default')).toEqual({
      totalHits: 4,
      timeToExpire: 50,
      isBlocked: true,
      timeToBlockExpire: 60,
    });
    // Blocked requests are not counted, and the block outlives the window it started in.
    now += 55_000;
    expect(await counters.increment('default:key:a', 60_000, 3, 60_000, 'default')).toMatchObject({
      totalHits: 4,
      isBlocked: true,
      timeToBlockExpire: 5,
    });
    now += 5_000;
    expect(await counters.increment('default:key:a', 60_000, 3, 60_000, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('counts each caller on its own and starts a fresh window once one has ended', async () => {
    const counters = storage();
    await counters.increment('default:key:a', 1_000, 2, 1_000, 'default');
    await counters.increment('default:key:a', 1_000, 2, 1_000, 'default');
    expect(await counters.increment('default:ip:b', 1_000, 2, 1_000, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
    now += 1_000;
    expect(await counters.increment('default:key:a', 1_000, 2, 1_000, 'default')).toMatchObject({
      totalHits: 1,
      isBlocked: false,
    });
  });

  it('forgets callers whose window and block have ended', async () => {
    const counters = storage();
    for (let i = 0; i < 100; i++) await counters.increment(`default:ip:${i}`, 1_000, 5, 1_000, 'x');
    expect(counters.size).toBe(100);
    now += 60_000;
    await counters.increment('default:ip:new', 1_000, 5, 1_000, 'x');
    expect(counters.size).toBe(1);
  });
});
