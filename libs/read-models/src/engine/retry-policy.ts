/**
 * The one retry policy of the runtime's loops (projections, reactors, scheduled jobs): after the
 * n-th failure in a row wait base·2^(n-1), capped at max, half of it fixed and half random, so
 * instances that lost the same database do not all come back in the same millisecond.
 */
export class RetryPolicy {
  constructor(
    readonly baseMs: number,
    readonly maxMs: number,
    private readonly random: () => number = Math.random,
  ) {}

  delayMs(failures: number): number {
    const ceiling = Math.min(this.maxMs, this.baseMs * 2 ** Math.max(0, failures - 1));
    return Math.round(ceiling / 2 + (ceiling / 2) * this.random());
  }
}

export function describeError(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
