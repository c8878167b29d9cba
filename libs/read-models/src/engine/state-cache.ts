/** Least-recently-used states of one consumer, so hot keys skip the read-model store. */
export class StateCache<State = unknown> {
  private readonly entries = new Map<string, State>();

  constructor(
    private readonly capacity: number,
    /** Told when a state is dropped for room (a consumer may then no longer know every key). */
    private readonly onEvict?: () => void,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  has(key: string): boolean {
    return this.entries.has(key);
  }

  get(key: string): State | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Map keeps insertion order: re-inserting marks the key as most recently used.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: State): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.capacity) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
      this.onEvict?.();
    }
  }

  clear(): void {
    this.entries.clear();
  }
}
