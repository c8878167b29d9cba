import type { DomainEvent, IsoDateTime } from './domain-event';

/**
 * Follow-up task stream `followUpTask-<taskId>`: one call or visit an agent owes a customer,
 * created by a playbook in reaction to an event (its cause), with a due time and a queue or an
 * owner. Every event carries `taskId`, `customerId` and `occurredAt`.
 */

export const FOLLOW_UP_KINDS = [
  'courtesy_call',
  'revisit',
  'satisfaction_check',
  'repair_check',
  'recovery_call',
  'callback',
] as const;
export type FollowUpKind = (typeof FOLLOW_UP_KINDS)[number];

/** `issue_found` opens a complaint on the customer, caused by the task. */
export const FOLLOW_UP_OUTCOMES = ['reached', 'no_answer', 'issue_found', 'declined'] as const;
export type FollowUpOutcome = (typeof FOLLOW_UP_OUTCOMES)[number];

/** Which playbook version planned a task or promise, and which step of it. */
export type PlaybookRef = { playbookId: string; version: number; step: number };

/** The event a task reacts to, as stored: enough for an auditor to find it. */
export type CauseRef = {
  eventId: string;
  eventType: string;
  streamId: string;
  /** Global position in the store, as a decimal string (positions are 64-bit). */
  position: string;
  occurredAt: IsoDateTime;
};

/** Where a task waits: a shared queue, or one agent. */
export type TaskAssignment = { queue: string; ownerId: string | null };

type TaskEventData = { taskId: string; customerId: string; occurredAt: IsoDateTime };

export type FollowUpTaskCreated = DomainEvent<
  'FollowUpTaskCreated',
  TaskEventData & {
    kind: FollowUpKind;
    /** Why the call is due, for the agent: "Courtesy call after delivery d-1". */
    reason: string;
    dueAt: IsoDateTime;
    queue: string;
    /** An agent who owns the task; null while it waits in its queue. */
    ownerId: string | null;
    /** The queue an overdue task moves to; null: it stays where it is. */
    escalateTo: string | null;
    playbook: PlaybookRef;
    cause: CauseRef;
  }
>;

export type FollowUpTaskCompleted = DomainEvent<
  'FollowUpTaskCompleted',
  TaskEventData & {
    outcome: FollowUpOutcome;
    completedBy: string;
    note?: string;
    /** Set when the outcome is issue_found: the complaint opened on the customer. */
    complaintId?: string;
    /** Completed after its due time. */
    late: boolean;
  }
>;

/** The due time passed with the task open: noticed by the sweep at `occurredAt`. */
export type FollowUpTaskOverdue = DomainEvent<
  'FollowUpTaskOverdue',
  TaskEventData & { dueAt: IsoDateTime }
>;

/** Moved to another queue (and away from its owner) because it is overdue. */
export type FollowUpTaskEscalated = DomainEvent<
  'FollowUpTaskEscalated',
  TaskEventData & { level: number; fromQueue: string; toQueue: string; reason: string }
>;

export type FollowUpTaskEvent =
  FollowUpTaskCreated | FollowUpTaskCompleted | FollowUpTaskOverdue | FollowUpTaskEscalated;
export type FollowUpTaskEventType = FollowUpTaskEvent['type'];

export const FOLLOW_UP_TASK_EVENT_TYPES = [
  'FollowUpTaskCreated',
  'FollowUpTaskCompleted',
  'FollowUpTaskOverdue',
  'FollowUpTaskEscalated',
] as const satisfies readonly FollowUpTaskEventType[];

export const FOLLOW_UP_TASK_STREAM_CATEGORY = 'followUpTask';
export const followUpTaskStreamId = (taskId: string): string =>
  `${FOLLOW_UP_TASK_STREAM_CATEGORY}-${taskId}`;

export function isFollowUpTaskEvent(event: { type: string }): event is FollowUpTaskEvent {
  return (FOLLOW_UP_TASK_EVENT_TYPES as readonly string[]).includes(event.type);
}
