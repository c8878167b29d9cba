/**
 * Background loops (projection runners, signals, webhook dispatch) share the event loop with the
 * HTTP server. Reads and writes of the embedded store are synchronous, so an `await` on them
 * resolves at once and a loop of them never lets the event loop turn: the port would not bind and
 * lease heartbeats would starve until catch-up ends.
 *
 * So loops yield between slices of work, and they take turns: Node runs every queued immediate in
 * one phase, so seven loops each yielding with `setImmediate` would still hold the event loop for
 * seven slices in a row. The lane resumes one waiting loop per turn of the event loop, so requests
 * wait at most about one slice.
 */
class BackgroundLane {
  private readonly waiting: (() => void)[] = [];
  private scheduled = false;

  turn(): Promise<void> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.schedule();
    });
  }

  private schedule(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      this.waiting.shift()?.();
      // Scheduled from inside the check phase: runs on the next turn, after timers and I/O.
      if (this.waiting.length) this.schedule();
    });
  }
}

const lane = new BackgroundLane();

/** Waits for this loop's next turn: timers, I/O and the other loops run first. */
export function yieldToEventLoop(): Promise<void> {
  return lane.turn();
}

/** How long a background loop may keep the event loop before it yields. */
export const SLICE_MS = 10;

/**
 * A time budget for a loop that does synchronous work step by step: `due` says when the slice is
 * used up, `pause` yields when it is and starts a new slice.
 */
export class TimeSlice {
  private started = performance.now();

  constructor(private readonly budgetMs = SLICE_MS) {}

  get due(): boolean {
    return performance.now() - this.started >= this.budgetMs;
  }

  async pause(): Promise<void> {
    if (!this.due) return;
    await yieldToEventLoop();
    this.started = performance.now();
  }
}
