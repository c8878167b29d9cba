import { CatchUpProgress } from './catch-up-progress';

describe('catch-up progress in the log', () => {
  const loop = (checkpoint: bigint, caughtUp = false) => [
    { name: 'customer_profile', checkpoint, caughtUp },
  ];

  it('logs rate, lag and time left over an interval, however often the status is refreshed', () => {
    const lines: string[] = [];
    const progress = new CatchUpProgress((line) => lines.push(line), 5_000);
    progress.report(loop(0n), 100_000n, 0);
    // Refreshes a moment apart (requests asking for the status) log nothing.
    progress.report(loop(100n), 100_000n, 50);
    progress.report(loop(100n), 100_000n, 60);
    expect(lines).toEqual([]);

    progress.report(loop(10_000n), 100_000n, 5_000);
    expect(lines).toEqual([
      'customer_profile: catching up at position 10000 of 100000 (10.0%), 2000 events/s, lag 90000, ETA 45s',
    ]);
  });

  it('says once when a loop has caught up, with what it did since it was first seen', () => {
    const lines: string[] = [];
    const progress = new CatchUpProgress((line) => lines.push(line), 5_000);
    progress.report(loop(0n), 100_000n, 0);
    progress.report(loop(100_000n, true), 100_000n, 20_000);
    progress.report(loop(100_000n, true), 100_000n, 40_000);
    expect(lines).toEqual([
      'customer_profile: caught up at position 100000 (100000 positions in 20.0 s)',
    ]);
  });
});
