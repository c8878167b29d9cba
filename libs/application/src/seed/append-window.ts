/** Appends a seeding run keeps in flight: on the embedded store they share one commit. */
export const SEED_APPENDS_IN_FLIGHT = 256;

/**
 * Runs appends side by side, at most `limit` at a time, each stream's in the order they were
 * added (a stream's second batch expects the revision its first one left). On the embedded store
 * appends asked for together share one transaction and one flush to disk (its group commit)
 * instead of one each; on PostgreSQL they use the pool's connections. The first failure is thrown
 * by the next `add` or by `drain`, and nothing more is started after it.
 */
export class AppendWindow {
  private readonly inFlight = new Set<Promise<void>>();
  /** The last append of each stream still in flight. */
  private readonly streams = new Map<string, Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly limit = SEED_APPENDS_IN_FLIGHT) {}

  /** Starts `append` after the stream's earlier appends; waits while the window is full. */
  async add(streamId: string, append: () => Promise<void>): Promise<void> {
    this.throwIfFailed();
    while (this.inFlight.size >= this.limit) {
      await Promise.race(this.inFlight);
      this.throwIfFailed();
    }
    const before = this.streams.get(streamId);
    const run = before ? before.then(() => (this.failure ? undefined : append())) : append();
    const settled: Promise<void> = run
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => {
        this.inFlight.delete(settled);
        if (this.streams.get(streamId) === settled) this.streams.delete(streamId);
      });
    this.inFlight.add(settled);
    this.streams.set(streamId, settled);
  }

  /** Waits for every append started; throws the first failure. */
  async drain(): Promise<void> {
    await this.settle();
    this.throwIfFailed();
  }

  /** Waits for every append started, whatever their outcome (before the store is closed). */
  async settle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.error;
  }
}
