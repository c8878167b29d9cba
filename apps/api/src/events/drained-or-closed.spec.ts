import { EventEmitter } from 'node:events';
import { drainedOrClosed } from './drained-or-closed';

describe('waiting for a slow SSE client', () => {
  it('leaves no listener behind however many times the socket fills up', async () => {
    const res = new EventEmitter();
    const req = new EventEmitter();
    for (let i = 0; i < 50; i += 1) {
      const waiting = drainedOrClosed(res, req);
      res.emit('drain');
      await waiting;
    }
    expect(req.listenerCount('close')).toBe(0);
    expect(res.listenerCount('drain')).toBe(0);
  });

  it('ends the wait when the client goes', async () => {
    const res = new EventEmitter();
    const req = new EventEmitter();
    const waiting = drainedOrClosed(res, req);
    req.emit('close');
    await expect(waiting).resolves.toBeUndefined();
    expect(res.listenerCount('drain')).toBe(0);
  });
});
