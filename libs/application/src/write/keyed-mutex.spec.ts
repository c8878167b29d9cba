import { KeyedMutex } from './keyed-mutex';

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('KeyedMutex', () => {
  it('runs tasks under one key one at a time, in arrival order', async () => {
    const mutex = new KeyedMutex();
    const log: string[] = [];
    let running = 0;
    let most = 0;
    const task = (name: string) => async () => {
      running++;
      most = Math.max(most, running);
      log.push(`start ${name}`);
      await tick();
      await tick();
      log.push(`end ${name}`);
      running--;
      return name;
    };
    const results = await Promise.all(['a', 'b', 'c'].map((name) => mutex.run('k', task(name))));
    expect(results).toEqual(['a', 'b', 'c']);
    expect(most).toBe(1);
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
    expect(mutex.size).toBe(0);
  });

  it('runs different keys side by side', async () => {
    const mutex = new KeyedMutex();
    let running = 0;
    let most = 0;
    const task = async () => {
      running++;
      most = Math.max(most, running);
      await tick();
      running--;
    };
    await Promise.all([mutex.run('x', task), mutex.run('y', task), mutex.run('z', task)]);
    expect(most).toBe(3);
  });

  it('a failing task passes its error to its caller and lets the next one run', async () => {
    const mutex = new KeyedMutex();
    const failing = mutex.run('k', async () => {
      await tick();
      throw new Error('refused');
    });
    const next = mutex.run('k', async () => 'ran');
    await expect(failing).rejects.toThrow('refused');
    await expect(next).resolves.toBe('ran');
    expect(mutex.size).toBe(0);
  });
});
