/**
 * How long a read waits for appends in flight: 'settle' until they are done (they are single
 * statements, so this is about one commit), 'glance' a few milliseconds, after which a
 * subscription reads what is final and comes back on the next notification or poll.
 */
export type Patience = 'settle' | 'glance';

export const GLANCE_MS = 25;

/**
 * The high-water mark: every position up to it is final. Positions are drawn from a sequence
 * without a global lock, so they can become visible out of order; a reader that moved past a
 * position still in flight would never see it. An append holds a shared advisory lock from
 * before it draws a position until its commit is visible; the mark moves to the last position
 * drawn once every append that held the lock when that position was read has left (see
 * es_high_water). Concurrent refreshes share one round of queries.
 */
export class HighWater {
  /** Every position up to here is final; never moves back. */
  known = 0n;
  /** Rounds begun so far; a caller needs one begun after it asked. */
  private rounds = 0;
  private current: { number: number; result: Promise<boolean> } | undefined;

  constructor(
    private readonly probe: () => Promise<{ lastDrawn: bigint; inFlight: string[] }>,
    private readonly stillInFlight: (inFlight: string[]) => Promise<boolean>,
    private readonly closed: () => boolean,
  ) {}

  /**
   * The mark after a round of queries begun after this call: then every append acknowledged
   * before the call is at or below it ('settle'), or, when appends below it were still in flight
   * after GLANCE_MS, the mark as far as it could move ('glance').
   */
  async refresh(patience: Patience): Promise<bigint> {
    const asked = this.rounds;
    for (;;) {
      if (this.closed()) return this.known;
      if (!this.current) {
        const number = ++this.rounds;
        const result = this.advance().finally(() => {
          if (this.current?.number === number) this.current = undefined;
        });
        this.current = { number, result };
      }
      const round = this.current;
      const settled = await round.result;
      if (round.number > asked && (settled || patience === 'glance')) return this.known;
    }
  }

  /** One round: true when the mark reached the last position drawn at its start. */
  private async advance(): Promise<boolean> {
    const { lastDrawn, inFlight } = await this.probe();
    const started = Date.now();
    for (let wait = 1; inFlight.length && (await this.stillInFlight(inFlight)); wait *= 2) {
      if (this.closed() || Date.now() - started > GLANCE_MS) return false;
      await new Promise((resolve) => setTimeout(resolve, Math.min(wait, 8)));
    }
    if (lastDrawn > this.known) this.known = lastDrawn;
    return true;
  }
}
