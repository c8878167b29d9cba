/**
 * Wakes a loop that waits for its source (a gRPC stream's 'readable', 'end' or 'error', or a
 * close): a wake before the wait is not lost, and one wait consumes every wake before it.
 */
export class WakeSignal {
  private wakeUp: (() => void) | undefined;
  private signalled = false;

  wake(): void {
    this.signalled = true;
    const wakeUp = this.wakeUp;
    this.wakeUp = undefined;
    wakeUp?.();
  }

  async wait(): Promise<void> {
    if (!this.signalled) await new Promise<void>((resolve) => (this.wakeUp = resolve));
    this.signalled = false;
  }
}
