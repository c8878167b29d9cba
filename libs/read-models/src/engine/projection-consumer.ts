import type { GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import type { AnyProjection } from '@aftercare/projections';
import {
  type CommitOutcome,
  type ProjectionFailure,
  type ReadModelStore,
  StateEncodingError,
} from '../read-model-store';
import type { BatchOutcome, ConsumerContext, EventConsumer, RunnerOutcome } from './consumer';
import { describeError } from './retry-policy';
import { StateCache } from './state-cache';

/**
 * A projection as a consumer of the runtime: folds each batch into cached states and writes the
 * changed states with the checkpoint in one transaction that checks the lease and the epoch (a
 * rebuild swap), so a read model is never half-applied nor written by a former owner. An event
 * its fold throws on stops the projection there until it is resumed.
 */
export class ProjectionConsumer implements EventConsumer {
  private readonly cache: StateCache;
  private epoch = 0;

  constructor(
    readonly projection: AnyProjection,
    private readonly readModels: ReadModelStore,
    cacheSize: number,
    /** Where a projection stopped by an event is reported (an operator must see it). */
    private readonly log: (message: string) => void,
  ) {
    this.cache = new StateCache(cacheSize);
  }

  get name(): string {
    return this.projection.name;
  }

  get filter(): AnyProjection['filter'] {
    return this.projection.filter;
  }

  async started(): Promise<void> {
    await this.readModels.setRunState(this.name, 'running');
  }

  async stopped(outcome: RunnerOutcome): Promise<void> {
    if (outcome === 'stopped') await this.readModels.setRunState(this.name, 'stopped');
  }

  async open(): Promise<GlobalPosition | undefined> {
    const status = await this.readModels.getStatus(this.name);
    if (!status) throw new Error(`Projection ${this.name} is not registered`);
    this.epoch = status.epoch;
    this.cache.clear();
    return status.checkpoint;
  }

  epochChanged(epoch: number): boolean {
    return epoch !== this.epoch;
  }

  async handle(batch: readonly RecordedEvent[], context: ConsumerContext): Promise<BatchOutcome> {
    const { projection } = this;
    let failure: ProjectionFailure | undefined;
    const keyed: { event: RecordedEvent; key: string | undefined }[] = [];
    for (const event of batch) {
      try {
        keyed.push({ event, key: projection.keyOf(event) });
      } catch (error) {
        failure = failureAt(event, error);
        break;
      }
    }
    const missing = new Set<string>();
    for (const { key } of keyed) {
      if (key !== undefined && !this.cache.has(key)) missing.add(key);
    }
    const loaded = missing.size
      ? await this.readModels.loadStates(projection.name, [...missing])
      : new Map<string, unknown>();

    // Folded states stay out of the cache until their transaction commits.
    const dirty = new Map<string, { state: unknown; event: RecordedEvent }>();
    let lastApplied: RecordedEvent | undefined;
    for (const { event, key } of keyed) {
      if (key !== undefined) {
        try {
          const current = dirty.has(key)
            ? dirty.get(key)!.state
            : this.cache.has(key)
              ? this.cache.get(key)
              : loaded.has(key)
                ? loaded.get(key)
                : projection.initialState(key);
          dirty.set(key, { state: projection.evolve(current, event), event });
        } catch (error) {
          failure = failureAt(event, error);
          break;
        }
      }
      lastApplied = event;
    }

    const commit = {
      owner: context.owner,
      epoch: this.epoch,
      leaseTtlMs: context.leaseTtlMs,
      states: [...dirty].map(([key, { state, event }]) => ({
        key,
        state,
        position: event.position,
      })),
      checkpoint: lastApplied?.position,
      failure,
    };
    let outcome: CommitOutcome;
    try {
      outcome = await this.readModels.commitBatch(projection, commit);
    } catch (error) {
      if (!(error instanceof StateEncodingError)) throw error;
      // Nothing of the batch was written: record the failure at the last event that touched the
      // state, and leave the checkpoint before the batch.
      const event = dirty.get(error.key)!.event;
      outcome = await this.readModels.commitBatch(projection, {
        ...commit,
        states: [],
        checkpoint: undefined,
        failure: failureAt(event, error),
      });
      if (outcome === 'committed') this.reportFailure(failureAt(event, error));
      return outcome === 'committed' ? 'failed' : outcome;
    }
    if (outcome !== 'committed') return outcome;
    for (const [key, { state }] of dirty) this.cache.set(key, state);
    if (lastApplied) context.advanced(lastApplied.position);
    if (failure) {
      this.reportFailure(failure);
      return 'failed';
    }
    return 'committed';
  }

  private reportFailure(failure: ProjectionFailure): void {
    this.log(
      `Projection ${this.name} stopped at event ${failure.eventId} (position ${failure.position}): ${failure.error}`,
    );
  }
}

function failureAt(event: RecordedEvent, error: unknown): ProjectionFailure {
  return { error: describeError(error), position: event.position, eventId: event.id };
}
