import { runThenClose } from './bounded-close';

const never = (): Promise<void> => new Promise(() => undefined);

describe('runThenClose', () => {
  let warnings: string[];
  const warn = (message: string): void => {
    warnings.push(message);
  };

  beforeEach(() => {
    warnings = [];
  });

  it("settles with the command's error when the close never settles", async () => {
    const started = Date.now();
    await expect(
      runThenClose(() => Promise.reject(new Error('read models are stale')), never, warn, 200),
    ).rejects.toThrow('read models are stale');
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(warnings).toEqual(['the stores did not close within 0.2 s; ending without waiting']);
  });

  it("settles with the command's result when the close never settles", async () => {
    await expect(runThenClose(() => Promise.resolve(42), never, warn, 50)).resolves.toBe(42);
    expect(warnings).toHaveLength(1);
  });

  it('closes once, after the command, and waits for a close that settles', async () => {
    const order: string[] = [];
    const result = await runThenClose(
      async () => {
        order.push('work');
        return 'answer';
      },
      async () => {
        await new Promise((resolve) => setTimeout(resolve, 20));
        order.push('closed');
      },
      warn,
      1_000,
    );
    expect(result).toBe('answer');
    expect(order).toEqual(['work', 'closed']);
    expect(warnings).toEqual([]);
  });

  it("fails a command whose close fails, but reports a failed command's own error first", async () => {
    const failingClose = () => Promise.reject(new Error('pool would not end'));
    await expect(runThenClose(() => Promise.resolve(1), failingClose, warn, 1_000)).rejects.toThrow(
      'pool would not end',
    );
    await expect(
      runThenClose(() => Promise.reject(new Error('refused')), failingClose, warn, 1_000),
    ).rejects.toThrow('refused');
    expect(warnings).toEqual(['closing failed too: pool would not end']);
  });
});
