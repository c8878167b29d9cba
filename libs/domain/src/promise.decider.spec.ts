import type { MakePromise } from './promise.decider';
import { promiseDecider } from './promise.decider';
import type { PromiseEvent } from './promise.events';
import { given as givenFor } from './testing/given-when-then';

const given = (events: PromiseEvent[] = []) => givenFor(promiseDecider, events);

const make = (overrides: Partial<MakePromise['data']> = {}): MakePromise => ({
  type: 'MakePromise',
  data: {
    promiseId: 'pr-1',
    customerId: 'ada',
    occurredAt: '2025-03-03T09:00:00.000Z',
    agentId: 'agent-7',
    queue: 'customer-care',
    text: 'Technician on Tuesday',
    dueAt: '2025-03-04T18:00:00.000Z',
    ...overrides,
  },
});
const made: PromiseEvent = { type: 'PromiseMade', data: make().data };
const base = { promiseId: 'pr-1', customerId: 'ada', agentId: 'agent-7', queue: 'customer-care' };

describe('promise decider', () => {
  it('records a promise with its due time, agent, queue and text', () => {
    given().when(make()).then([made]);
  });

  it('refuses a promise due before it was made, or with no text', () => {
    const error = given()
      .when(make({ dueAt: '2025-03-02T00:00:00.000Z', text: '  ' }))
      .thenFails('invalid_promise');
    expect(error.details.problems).toEqual([
      'dueAt is before the promise was made',
      'text is empty',
    ]);
    given([made]).when(make()).thenFails('promise_already_made');
  });

  it('records it kept, carrying its agent and queue for the kept rate', () => {
    given([made])
      .when({
        type: 'FulfilPromise',
        data: {
          promiseId: 'pr-1',
          occurredAt: '2025-03-04T12:00:00.000Z',
          kept: true,
          recordedBy: 'agent-9',
        },
      })
      .then([
        {
          type: 'PromiseKept',
          data: {
            ...base,
            occurredAt: '2025-03-04T12:00:00.000Z',
            dueAt: '2025-03-04T18:00:00.000Z',
            recordedBy: 'agent-9',
          },
        },
      ]);
  });

  it('records it broken when an agent says it was not kept', () => {
    given([made])
      .when({
        type: 'FulfilPromise',
        data: {
          promiseId: 'pr-1',
          occurredAt: '2025-03-04T12:00:00.000Z',
          kept: false,
          recordedBy: 'agent-9',
          note: 'technician ill',
        },
      })
      .then([
        {
          type: 'PromiseBroken',
          data: {
            ...base,
            occurredAt: '2025-03-04T12:00:00.000Z',
            dueAt: '2025-03-04T18:00:00.000Z',
            recordedBy: 'agent-9',
            note: 'technician ill',
            reason: 'missed',
          },
        },
      ]);
  });

  it('refuses to settle a promise twice or one that does not exist', () => {
    const fulfil = {
      type: 'FulfilPromise' as const,
      data: {
        promiseId: 'pr-1',
        occurredAt: '2025-03-04T12:00:00.000Z',
        kept: true,
        recordedBy: 'agent-9',
      },
    };
    given().when(fulfil).thenFails('promise_not_found');
    const kept = given([made]).when(fulfil).events();
    given([made, ...kept])
      .when(fulfil)
      .thenFails('promise_already_settled');
  });

  it('the sweep breaks an open promise after its due time, and only then', () => {
    const sweep = (at: string) => ({
      type: 'BreakOverduePromise' as const,
      data: { promiseId: 'pr-1', occurredAt: at },
    });
    given([made]).when(sweep('2025-03-04T18:00:00.000Z')).thenFails('promise_not_due');
    given([made])
      .when(sweep('2025-03-04T18:05:00.000Z'))
      .then([
        {
          type: 'PromiseBroken',
          data: {
            ...base,
            occurredAt: '2025-03-04T18:05:00.000Z',
            dueAt: '2025-03-04T18:00:00.000Z',
            reason: 'overdue',
            recordedBy: 'system',
          },
        },
      ]);
  });

  it('the sweep leaves a settled promise alone', () => {
    const kept: PromiseEvent = {
      type: 'PromiseKept',
      data: {
        ...base,
        occurredAt: '2025-03-04T12:00:00.000Z',
        dueAt: '2025-03-04T18:00:00.000Z',
        recordedBy: 'agent-9',
      },
    };
    given([made, kept])
      .when({
        type: 'BreakOverduePromise',
        data: { promiseId: 'pr-1', occurredAt: '2025-03-05T00:00:00.000Z' },
      })
      .then([]);
  });
});
