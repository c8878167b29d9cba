/**
 * Runs tasks one at a time per key, in the order they arrive; tasks under different keys run side
 * by side. Used by the write path so commands on one stream in this process take turns instead of
 * racing each other to the store and re-deciding on every lost race.
 */
export class KeyedMutex {
  /** The last task queued under each key; settles when that task is done. */
  private readonly tails = new Map<string, Promise<void>>();

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    let release!: () => void;
    const done = new Promise<void>((resolve) => (release = resolve));
    const tail = previous ? previous.then(() => done) : done;
    this.tails.set(key, tail);
    try {
      if (previous) await previous;
      return await task();
    } finally {
      release();
      // The last in line removes the key, so the map holds only keys with work queued.
      if (this.tails.get(key) === tail) this.tails.delete(key);
    }
  }

  /** Keys with a task running or queued. */
  get size(): number {
    return this.tails.size;
  }
}
