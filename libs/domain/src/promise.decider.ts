import { DomainError } from './domain-error';
import type { DomainCommand, IsoDateTime } from './domain-event';
import { assertNever } from './domain-event';
import type { PromiseEvent, PromiseMade } from './promise.events';
import { toMillis } from './time';

/**
 * The promise decider (stream `promise-<promiseId>`): made once, then kept or broken once.
 * A promise recorded kept after its due time still counts as kept (the technician came on
 * Tuesday; the agent recorded it on Wednesday); the sweep breaks only what nobody settled.
 */

export type MakePromise = DomainCommand<'MakePromise', PromiseMade['data']>;

/** An agent records whether the promise was kept. */
export type FulfilPromise = DomainCommand<
  'FulfilPromise',
  {
    promiseId: string;
    occurredAt: IsoDateTime;
    kept: boolean;
    recordedBy: string;
    note?: string;
  }
>;

/** From the due-time sweep: `occurredAt` is the sweep's clock. */
export type BreakOverduePromise = DomainCommand<
  'BreakOverduePromise',
  { promiseId: string; occurredAt: IsoDateTime }
>;

export type PromiseCommand = MakePromise | FulfilPromise | BreakOverduePromise;
export type PromiseCommandType = PromiseCommand['type'];

export type PromiseStatus = 'none' | 'open' | 'kept' | 'broken';

export type PromiseState = {
  status: PromiseStatus;
  made: PromiseMade['data'] | null;
};

export function initialState(): PromiseState {
  return { status: 'none', made: null };
}

export function evolve(state: PromiseState, event: PromiseEvent): PromiseState {
  const { type } = event;
  switch (type) {
    case 'PromiseMade':
      return { status: 'open', made: event.data };
    case 'PromiseKept':
      return { ...state, status: 'kept' };
    case 'PromiseBroken':
      return { ...state, status: 'broken' };
    default:
      return assertNever(type, 'promise event');
  }
}

function requireOpen(state: PromiseState, promiseId: string): PromiseMade['data'] {
  if (state.made === null) {
    throw new DomainError('promise_not_found', `Promise ${promiseId} does not exist`, {
      promiseId,
    });
  }
  if (state.status !== 'open') {
    throw new DomainError(
      'promise_already_settled',
      `Promise ${promiseId} is already ${state.status}`,
      { promiseId, status: state.status },
    );
  }
  return state.made;
}

export function decide(command: PromiseCommand, state: PromiseState): PromiseEvent[] {
  switch (command.type) {
    case 'MakePromise': {
      const d = command.data;
      const made = toMillis(d.occurredAt);
      if (state.status !== 'none') {
        throw new DomainError('promise_already_made', `Promise ${d.promiseId} exists`, {
          promiseId: d.promiseId,
        });
      }
      const problems: string[] = [];
      if (toMillis(d.dueAt, 'dueAt') < made) problems.push('dueAt is before the promise was made');
      if (!d.text.trim()) problems.push('text is empty');
      if (!d.agentId.trim()) problems.push('agentId is empty');
      if (!d.queue.trim()) problems.push('queue is empty');
      if (problems.length > 0) {
        throw new DomainError('invalid_promise', `Invalid promise: ${problems.join('; ')}`, {
          problems,
        });
      }
      return [{ type: 'PromiseMade', data: { ...d } }];
    }
    case 'FulfilPromise': {
      const d = command.data;
      toMillis(d.occurredAt);
      const made = requireOpen(state, d.promiseId);
      if (!d.recordedBy.trim()) {
        throw new DomainError('agent_required', 'Recording a promise needs the agent', {
          promiseId: d.promiseId,
        });
      }
      const data = {
        promiseId: d.promiseId,
        customerId: made.customerId,
        occurredAt: d.occurredAt,
        agentId: made.agentId,
        queue: made.queue,
        dueAt: made.dueAt,
        recordedBy: d.recordedBy,
        ...(d.note !== undefined ? { note: d.note } : {}),
      };
      return d.kept
        ? [{ type: 'PromiseKept', data }]
        : [{ type: 'PromiseBroken', data: { ...data, reason: 'missed' } }];
    }
    case 'BreakOverduePromise': {
      const d = command.data;
      const at = toMillis(d.occurredAt);
      if (state.made === null) {
        throw new DomainError('promise_not_found', `Promise ${d.promiseId} does not exist`, {
          promiseId: d.promiseId,
        });
      }
      // Settled in the meantime, or swept twice: nothing to do.
      if (state.status !== 'open') return [];
      const made = state.made;
      if (at <= toMillis(made.dueAt)) {
        throw new DomainError('promise_not_due', `Promise ${d.promiseId} is due at ${made.dueAt}`, {
          promiseId: d.promiseId,
          dueAt: made.dueAt,
        });
      }
      return [
        {
          type: 'PromiseBroken',
          data: {
            promiseId: d.promiseId,
            customerId: made.customerId,
            occurredAt: d.occurredAt,
            agentId: made.agentId,
            queue: made.queue,
            dueAt: made.dueAt,
            reason: 'overdue',
            recordedBy: 'system',
          },
        },
      ];
    }
    default:
      return assertNever(command, 'promise command');
  }
}

export function foldPromise(events: readonly PromiseEvent[]): PromiseState {
  return events.reduce(evolve, initialState());
}

export const promiseDecider = { decide, evolve, initialState } as const;
