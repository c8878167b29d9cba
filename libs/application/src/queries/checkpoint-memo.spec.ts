import { CheckpointMemo } from './checkpoint-memo';

describe('checkpoint memo', () => {
  it('computes once per position of the read model, and again after it moves or is rebuilt', async () => {
    let status = { checkpoint: 10n as bigint | undefined, epoch: 1 };
    const memo = new CheckpointMemo<number>({ getStatus: async () => status }, 'rm');
    let computed = 0;
    const compute = async () => ++computed;
    expect([await memo.get('q', compute), await memo.get('q', compute)]).toEqual([1, 1]);
    expect(await memo.get('other', compute)).toBe(2);
    status = { checkpoint: 11n, epoch: 1 };
    expect(await memo.get('q', compute)).toBe(3);
    status = { checkpoint: 11n, epoch: 2 };
    expect(await memo.get('q', compute)).toBe(4);
  });

  it('forgets a failed computation and computes every time without statuses', async () => {
    const memo = new CheckpointMemo<number>(
      { getStatus: async () => ({ checkpoint: 1n, epoch: 1 }) },
      'rm',
    );
    await expect(memo.get('q', () => Promise.reject(new Error('down')))).rejects.toThrow('down');
    expect(await memo.get('q', async () => 7)).toBe(7);
    const bare = new CheckpointMemo<number>(undefined, 'rm');
    let n = 0;
    await bare.get('q', async () => ++n);
    expect(await bare.get('q', async () => ++n)).toBe(2);
  });
});
