import assert from 'node:assert/strict';
import { DomainError } from '../domain-error';
import type { DomainErrorCode } from '../domain-error';

/**
 * Given / When / Then for deciders (test support, not exported from the library; plain
 * node:assert so it also compiles in the production build, which has no jest types):
 *   given(decider, events).when(command).then(expectedEvents)
 *   given(decider, events).when(command).thenFails('purchase_not_found')
 */
export type Decider<Command, Event, State> = {
  decide: (command: Command, state: State) => Event[];
  evolve: (state: State, event: Event) => State;
  initialState: () => State;
};

export function given<Command, Event, State>(
  decider: Decider<Command, Event, State>,
  events: readonly Event[] = [],
) {
  const state = events.reduce(decider.evolve, decider.initialState());
  return {
    when(command: Command) {
      const run = (): Event[] => decider.decide(command, state);
      return {
        then(expected: readonly Event[]): Event[] {
          const actual = run();
          assert.deepStrictEqual(actual, expected);
          // Deterministic: the same command on the same state decides the same events.
          assert.deepStrictEqual(decider.decide(command, state), actual);
          return actual;
        },
        /** Returns the events for further assertions. */
        events: run,
        thenFails(code: DomainErrorCode): DomainError {
          let thrown: unknown;
          try {
            run();
          } catch (error) {
            thrown = error;
          }
          if (!(thrown instanceof DomainError)) {
            assert.fail(
              `Expected DomainError '${code}', got ${thrown === undefined ? 'events' : String(thrown)}`,
            );
          }
          assert.equal(
            thrown.code,
            code,
            `Expected DomainError '${code}', got '${thrown.code}': ${thrown.message}`,
          );
          return thrown;
        },
      };
    },
  };
}
