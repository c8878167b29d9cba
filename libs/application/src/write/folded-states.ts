import type { AftercareEvent } from '@aftercare/domain';
import type { LoadedStream } from './load-stream';
import { LOADED_STREAMS_CAPACITY } from './loaded-streams';

/**
 * A decider's state of the streams decided on lately, each with the revision it was folded up to,
 * so a command folds only the events after it instead of the whole history. A stream is
 * append-only: the events up to a revision never change, and neither does their fold. Least
 * recently used streams are forgotten first.
 *
 * The states are this cache's own: `evolve` may change the state it is given (a decider's owned
 * fold, see `evolveOwned` of the customer decider), so a state `of` returns is read by the
 * caller's decision and not kept. A stream's state leaves the cache while it is folded further,
 * so a fold that throws half-way leaves nothing half-folded behind.
 */
export class FoldedStates<S, E extends AftercareEvent> {
  private readonly states = new Map<string, { revision: bigint; state: S }>();

  constructor(
    private readonly initialState: () => S,
    private readonly evolve: (state: S, event: E) => S,
    private readonly capacity = LOADED_STREAMS_CAPACITY,
  ) {}

  /** The state after every event of `stream`. */
  of(stream: LoadedStream): S {
    const { events } = stream;
    const held = this.states.get(stream.streamId);
    let state = this.initialState();
    let from = 0;
    if (held) {
      // Events are held from revision 0 on, one per revision.
      const at = Number(held.revision);
      if (events[at]?.revision === held.revision) {
        state = held.state;
        from = at + 1;
      }
      this.states.delete(stream.streamId);
    }
    for (let i = from; i < events.length; i++) {
      state = this.evolve(state, { type: events[i].type, data: events[i].data } as E);
    }
    if (stream.revision !== undefined) this.remember(stream.streamId, stream.revision, state);
    return state;
  }

  private remember(streamId: string, revision: bigint, state: S): void {
    if (this.capacity <= 0) return;
    this.states.delete(streamId);
    this.states.set(streamId, { revision, state });
    if (this.states.size > this.capacity) {
      this.states.delete(this.states.keys().next().value as string);
    }
  }
}
