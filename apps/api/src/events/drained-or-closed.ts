import { once, type EventEmitter } from 'node:events';

/**
 * Waits until the socket drains or the client goes, then removes both listeners: a slow client
 * otherwise collects one `close` listener per wait (MaxListenersExceededWarning).
 */
export async function drainedOrClosed(res: EventEmitter, req: EventEmitter): Promise<void> {
  const done = new AbortController();
  try {
    await Promise.race([
      once(res, 'drain', { signal: done.signal }),
      once(req, 'close', { signal: done.signal }),
    ]);
  } finally {
    done.abort();
  }
}
