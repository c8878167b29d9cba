import type { AllFilter, EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';

/**
 * Keeps an index in memory up to date with the events of `$all` that `filter` passes: each
 * `catchUp` hands `apply` the events appended since the last one, up to the store's settled head
 * (read first, so every event up to it is visible to the read that follows). Only the first call
 * reads the whole log; callers at once share one reader, each waiting for a read begun after it
 * asked. Events of other processes are read the same way.
 */
export class LogFollower {
  private readUpTo: GlobalPosition | undefined;
  private reading: Promise<void> = Promise.resolve();

  constructor(
    private readonly store: EventStore,
    private readonly filter: AllFilter,
    private readonly apply: (event: RecordedEvent) => void,
  ) {}

  catchUp(): Promise<void> {
    const next = this.reading.then(() => this.readNew());
    this.reading = next.catch(() => undefined);
    return next;
  }

  private async readNew(): Promise<void> {
    const head = await this.store.headPosition();
    let last = this.readUpTo;
    for await (const event of this.store.readAll({
      fromPosition: this.readUpTo ?? 'start',
      filter: this.filter,
    })) {
      this.apply(event);
      last = event.position;
    }
    if (head !== undefined && (last === undefined || head > last)) last = head;
    this.readUpTo = last;
  }
}
