import type { GlobalPosition } from '@aftercare/event-store';

/** Where one background loop stands, as the runtime reports it (health, headers, logs). */
export interface LoopProgress {
  name: string;
  checkpoint: GlobalPosition | undefined;
  caughtUp: boolean;
}

interface Sample {
  at: number;
  checkpoint: bigint;
  since: number;
  from: bigint;
  reportedCaughtUp: boolean;
  /** Events per second over the last period, once one has passed. */
  rate?: number;
}

/**
 * Logs catch-up progress of the loops this process runs: rate (events/s over the last interval),
 * lag behind the store's head and the time left at that rate; once when a loop catches up.
 * Positions stand in for events: in the embedded and PostgreSQL stores they are dense. The status
 * is refreshed whenever a request asks for it, so a loop's progress is logged at most once per
 * `intervalMs`, its rate taken over at least that long (two refreshes a moment apart logged
 * "0 events/s, ETA unknown" for a loop catching up at a thousand a second).
 */
export class CatchUpProgress {
  private readonly samples = new Map<string, Sample>();

  constructor(
    private readonly log: (message: string) => void,
    private readonly intervalMs = 5_000,
  ) {}

  report(loops: readonly LoopProgress[], head: GlobalPosition | undefined, now = Date.now()): void {
    for (const loop of loops) {
      const checkpoint = loop.checkpoint ?? 0n;
      const previous = this.samples.get(loop.name);
      if (!previous) {
        this.samples.set(loop.name, {
          at: now,
          checkpoint,
          since: now,
          from: checkpoint,
          reportedCaughtUp: loop.caughtUp,
        });
        continue;
      }
      if (loop.caughtUp) {
        if (!previous.reportedCaughtUp) {
          const seconds = (now - previous.since) / 1000;
          this.log(
            `${loop.name}: caught up at position ${checkpoint} (${checkpoint - previous.from} positions in ${seconds.toFixed(1)} s)`,
          );
        }
        this.samples.set(loop.name, { ...previous, at: now, checkpoint, reportedCaughtUp: true });
        continue;
      }
      if (now - previous.at < this.intervalMs) continue;
      const seconds = (now - previous.at) / 1000;
      const rate = Number(checkpoint - previous.checkpoint) / seconds;
      const lag = head === undefined || head < checkpoint ? 0n : head - checkpoint;
      const eta = rate > 0 ? formatDuration(Number(lag) / rate) : 'unknown';
      const done = head ? ` (${((Number(checkpoint) / Number(head)) * 100).toFixed(1)}%)` : '';
      this.log(
        `${loop.name}: catching up at position ${checkpoint} of ${head ?? 0}${done}, ` +
          `${Math.round(rate)} events/s, lag ${lag}, ETA ${eta}`,
      );
      this.samples.set(loop.name, {
        ...previous,
        at: now,
        checkpoint,
        reportedCaughtUp: false,
        rate,
      });
    }
  }

  /** The rate of a loop over its last period (undefined before one has passed, or once caught up). */
  rateOf(name: string): number | undefined {
    const sample = this.samples.get(name);
    return sample?.reportedCaughtUp ? undefined : sample?.rate;
  }
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return 'unknown';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
