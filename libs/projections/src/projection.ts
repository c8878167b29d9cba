import type { AllFilter, RecordedEvent } from '@aftercare/event-store';

/**
 * A projection is a pure fold, partitioned by key: events with the same key are folded in global
 * order into one state. The runtime owns storage (one JSON state per key, plus the checkpoint, in
 * one transaction) so the same `evolve` serves live projection, rebuilds and as-of replays.
 */
export interface Projection<State> {
  /** Stable name: the read model table and the checkpoint are named after it. */
  readonly name: string;
  /** Bump when `evolve` changes meaning: the runtime rebuilds a projection whose stored version differs. */
  readonly version: number;
  /** Events the projection needs; others are never handed to it (and need not be parsed). */
  readonly filter: AllFilter;
  /** The partition an event belongs to, or undefined to ignore the event. */
  keyOf(event: RecordedEvent): string | undefined;
  initialState(key: string): State;
  evolve(state: State, event: RecordedEvent): State;
  /**
   * `evolve` allowed to change the state it is given (and return it): a rebuild uses it, as it
   * owns every state it folds, instead of copying a state for each event. It must give the same
   * states as `evolve`, which stays the meaning; `initialState` then returns a new state on
   * each call, sharing no object with any other.
   */
  readonly evolveInPlace?: (state: State, event: RecordedEvent) => State;
  /**
   * Which customers a key's events are about, so that a rebuild can fold customers in groups
   * (their events in global order, each group's states written when it ends) instead of holding
   * every state until the end: `'customer'` when each key's events are about one customer (the
   * key is the customer, or one of their complaints or claims); a function of the customer id
   * when each key gathers the customers it maps to (a bucket of customers), the key being that
   * function's value. A rebuild checks that no key was split across groups, and otherwise folds
   * again in global order; left out, the projection is folded in global order.
   */
  readonly customerScope?: 'customer' | ((customerId: string) => string);
  /**
   * Values copied into columns beside the state, so read models can be listed, filtered and sorted
   * without parsing. A column is stored, not indexed, unless `indexes` names it.
   */
  readonly columns?: Readonly<Record<string, (state: State) => string | number | null>>;
  /**
   * The columns that get an index `(column, key)`: those a query filters or sorts on where no
   * other indexed condition has already narrowed the rows to a few (a customer's, one queue's).
   * Every index is written on each commit and built at each rebuild's swap, so a column only read
   * back, or only filtered within another index's range, is left out; queries on it still work,
   * with the same results, by scanning. Both stores drop, at start, an index no longer named here
   * and build one newly named (a version bump has the rebuild build it instead).
   */
  readonly indexes?: readonly string[];
  /**
   * A smaller stored form of the state, owned by the projection: both read-model stores write
   * `encode`'s array as the state's JSON and hand readers `decode`'s state, so readers see the
   * state itself. Adding or changing one bumps `version` (stored states are then rebuilt); a
   * stored state that is not an array was written before and reads as itself.
   */
  readonly stored?: StoredForm<State>;
}

/** See `Projection.stored`: `decode(encode(state, key), key)` gives the state back, byte for byte in JSON. */
export interface StoredForm<State> {
  encode(state: State, key: string): unknown[];
  decode(stored: unknown[], key: string): State;
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a registry holds projections of any state
export type AnyProjection = Projection<any>;
