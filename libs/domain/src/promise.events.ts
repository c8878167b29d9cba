import type { DomainEvent, IsoDateTime } from './domain-event';

/**
 * Promise stream `promise-<promiseId>`: something an agent told a customer would happen by a
 * time ("technician on Tuesday", "call back by Friday"), and whether it did. Its own stream, so
 * it can be fulfilled by its id alone; every event names the customer, so the customer's
 * satisfaction and churn folds read it beside the customer's own events.
 */

export const PROMISE_BREAK_REASONS = ['missed', 'overdue'] as const;
/** `missed`: an agent recorded it was not kept; `overdue`: its due time passed unfulfilled. */
export type PromiseBreakReason = (typeof PROMISE_BREAK_REASONS)[number];

type PromiseEventData = {
  promiseId: string;
  customerId: string;
  occurredAt: IsoDateTime;
  /** Copied from PromiseMade onto every event, so a kept rate per agent and queue is one fold. */
  agentId: string;
  queue: string;
};

export type PromiseMade = DomainEvent<
  'PromiseMade',
  PromiseEventData & {
    text: string;
    dueAt: IsoDateTime;
    /** The follow-up task during which it was made, when there was one. */
    taskId?: string;
  }
>;

export type PromiseKept = DomainEvent<
  'PromiseKept',
  PromiseEventData & { dueAt: IsoDateTime; recordedBy: string; note?: string }
>;

export type PromiseBroken = DomainEvent<
  'PromiseBroken',
  PromiseEventData & {
    dueAt: IsoDateTime;
    reason: PromiseBreakReason;
    /** The agent who recorded it, or 'system' for the due-time sweep. */
    recordedBy: string;
    note?: string;
  }
>;

export type PromiseEvent = PromiseMade | PromiseKept | PromiseBroken;
export type PromiseEventType = PromiseEvent['type'];

export const PROMISE_EVENT_TYPES = [
  'PromiseMade',
  'PromiseKept',
  'PromiseBroken',
] as const satisfies readonly PromiseEventType[];

export const PROMISE_STREAM_CATEGORY = 'promise';
export const promiseStreamId = (promiseId: string): string =>
  `${PROMISE_STREAM_CATEGORY}-${promiseId}`;

export function isPromiseEvent(event: { type: string }): event is PromiseEvent {
  return (PROMISE_EVENT_TYPES as readonly string[]).includes(event.type);
}
