import type { EventStore } from '@aftercare/event-store';
import type { SignalToAppend } from './customer-signals';

/**
 * Appends the signals of one batch without waiting for each: appends to different streams are
 * asked for together (the embedded store commits what is asked in one turn of the event loop as
 * one transaction, one flush to disk), while each stream's signals keep their order (one append
 * at a time per stream). Each signal is its own append, so on a replay each is either new or
 * already stored (a no-op). `flush` resolves once everything asked is stored, or throws the first
 * failure; after a failure nothing more is asked of the store (the batch is applied again from the
 * checkpoint, and signal ids make that idempotent).
 */
export class SignalWriter {
  private readonly chains = new Map<string, Promise<void>>();
  /** What this batch asked per stream: a rebuild must count it as signalled. */
  private readonly asked = new Map<string, SignalToAppend[]>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly store: EventStore) {}

  /** Queues `signals` for `streamId`, after what was queued for it before. */
  add(streamId: string, signals: readonly SignalToAppend[]): void {
    if (signals.length === 0) return;
    const asked = this.asked.get(streamId) ?? [];
    asked.push(...signals);
    this.asked.set(streamId, asked);
    const previous = this.chains.get(streamId) ?? Promise.resolve();
    const next = previous
      .then(async () => {
        for (const signal of signals) {
          if (this.failure) return;
          await this.store.appendToStream(streamId, [signal]);
        }
      })
      .catch((error: unknown) => {
        this.failure ??= { error };
      });
    this.chains.set(streamId, next);
  }

  /** The signals queued for `streamId` since the last flush (stored or not yet). */
  queued(streamId: string): readonly SignalToAppend[] {
    return this.asked.get(streamId) ?? [];
  }

  /** Resolves once every queued signal is stored; throws the first failure. */
  async flush(): Promise<void> {
    await Promise.all(this.chains.values());
    this.chains.clear();
    this.asked.clear();
    const failure = this.failure;
    this.failure = undefined;
    if (failure) throw failure.error;
  }
}
