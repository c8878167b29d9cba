import { DomainError } from './domain-error';
import type { DomainCommand, IsoDateTime } from './domain-event';
import { assertNever } from './domain-event';
import type {
  CauseRef,
  FollowUpKind,
  FollowUpOutcome,
  FollowUpTaskCreated,
  FollowUpTaskEvent,
  PlaybookRef,
} from './follow-up-task.events';
import { toMillis } from './time';

/** The follow-up task decider (stream `followUpTask-<taskId>`). */

export type CreateFollowUpTask = DomainCommand<
  'CreateFollowUpTask',
  Omit<FollowUpTaskCreated['data'], 'kind'> & { kind: FollowUpKind }
>;

export type CompleteFollowUpTask = DomainCommand<
  'CompleteFollowUpTask',
  {
    taskId: string;
    occurredAt: IsoDateTime;
    outcome: FollowUpOutcome;
    completedBy: string;
    note?: string;
  }
>;

/** From the due-time sweep: `occurredAt` is the sweep's clock. */
export type MarkFollowUpTaskOverdue = DomainCommand<
  'MarkFollowUpTaskOverdue',
  { taskId: string; occurredAt: IsoDateTime }
>;

export type FollowUpTaskCommand =
  CreateFollowUpTask | CompleteFollowUpTask | MarkFollowUpTaskOverdue;
export type FollowUpTaskCommandType = FollowUpTaskCommand['type'];

export type FollowUpTaskStatus = 'none' | 'open' | 'completed';

export type FollowUpTaskState = {
  status: FollowUpTaskStatus;
  taskId: string | null;
  customerId: string | null;
  dueAt: IsoDateTime | null;
  queue: string | null;
  ownerId: string | null;
  escalateTo: string | null;
  overdue: boolean;
  escalations: number;
  playbook: PlaybookRef | null;
  cause: CauseRef | null;
};

export function initialState(): FollowUpTaskState {
  return {
    status: 'none',
    taskId: null,
    customerId: null,
    dueAt: null,
    queue: null,
    ownerId: null,
    escalateTo: null,
    overdue: false,
    escalations: 0,
    playbook: null,
    cause: null,
  };
}

/** The complaint an `issue_found` outcome opens: derived from the task, so a retry opens no second. */
export function issueComplaintId(taskId: string): string {
  return `${taskId}.issue`;
}

export function evolve(state: FollowUpTaskState, event: FollowUpTaskEvent): FollowUpTaskState {
  const { type } = event;
  switch (type) {
    case 'FollowUpTaskCreated': {
      const d = event.data;
      return {
        ...state,
        status: 'open',
        taskId: d.taskId,
        customerId: d.customerId,
        dueAt: d.dueAt,
        queue: d.queue,
        ownerId: d.ownerId,
        escalateTo: d.escalateTo,
        playbook: d.playbook,
        cause: d.cause,
      };
    }
    case 'FollowUpTaskCompleted':
      return { ...state, status: 'completed' };
    case 'FollowUpTaskOverdue':
      return { ...state, overdue: true };
    case 'FollowUpTaskEscalated':
      return {
        ...state,
        queue: event.data.toQueue,
        ownerId: null,
        escalations: event.data.level,
      };
    default:
      return assertNever(type, 'follow-up task event');
  }
}

function requireOpen(state: FollowUpTaskState, taskId: string): void {
  if (state.status === 'none') {
    throw new DomainError('task_not_found', `Follow-up task ${taskId} does not exist`, { taskId });
  }
  if (state.status === 'completed') {
    throw new DomainError('task_already_completed', `Follow-up task ${taskId} is completed`, {
      taskId,
    });
  }
}

export function decide(
  command: FollowUpTaskCommand,
  state: FollowUpTaskState,
): FollowUpTaskEvent[] {
  switch (command.type) {
    case 'CreateFollowUpTask': {
      const d = command.data;
      toMillis(d.occurredAt);
      if (state.status !== 'none') {
        throw new DomainError('task_already_exists', `Follow-up task ${d.taskId} exists`, {
          taskId: d.taskId,
        });
      }
      if (toMillis(d.dueAt, 'dueAt') < toMillis(d.cause.occurredAt, 'cause.occurredAt')) {
        throw new DomainError('invalid_task', 'A task cannot be due before its cause happened', {
          dueAt: d.dueAt,
          causeOccurredAt: d.cause.occurredAt,
        });
      }
      if (!d.queue.trim()) {
        throw new DomainError('invalid_task', 'A task needs a queue', { taskId: d.taskId });
      }
      return [{ type: 'FollowUpTaskCreated', data: { ...d } }];
    }
    case 'CompleteFollowUpTask': {
      const d = command.data;
      const at = toMillis(d.occurredAt);
      requireOpen(state, d.taskId);
      if (!d.completedBy.trim()) {
        throw new DomainError('agent_required', 'Completing a task needs the agent who did it', {
          taskId: d.taskId,
        });
      }
      return [
        {
          type: 'FollowUpTaskCompleted',
          data: {
            taskId: d.taskId,
            customerId: state.customerId as string,
            occurredAt: d.occurredAt,
            outcome: d.outcome,
            completedBy: d.completedBy,
            ...(d.note !== undefined ? { note: d.note } : {}),
            ...(d.outcome === 'issue_found' ? { complaintId: issueComplaintId(d.taskId) } : {}),
            late: at > toMillis(state.dueAt as string),
          },
        },
      ];
    }
    case 'MarkFollowUpTaskOverdue': {
      const d = command.data;
      const at = toMillis(d.occurredAt);
      if (state.status === 'none') {
        throw new DomainError('task_not_found', `Follow-up task ${d.taskId} does not exist`, {
          taskId: d.taskId,
        });
      }
      // A sweep racing a completion, or running twice, changes nothing.
      if (state.status === 'completed' || state.overdue) return [];
      const dueAt = state.dueAt as string;
      if (at <= toMillis(dueAt)) {
        throw new DomainError('task_not_due', `Follow-up task ${d.taskId} is due at ${dueAt}`, {
          taskId: d.taskId,
          dueAt,
        });
      }
      const base = { taskId: d.taskId, customerId: state.customerId as string };
      const events: FollowUpTaskEvent[] = [
        { type: 'FollowUpTaskOverdue', data: { ...base, occurredAt: d.occurredAt, dueAt } },
      ];
      const from = state.queue as string;
      if (state.escalateTo !== null && (state.escalateTo !== from || state.ownerId !== null)) {
        events.push({
          type: 'FollowUpTaskEscalated',
          data: {
            ...base,
            occurredAt: d.occurredAt,
            level: state.escalations + 1,
            fromQueue: from,
            toQueue: state.escalateTo,
            reason: `not done by its due time ${dueAt}`,
          },
        });
      }
      return events;
    }
    default:
      return assertNever(command, 'follow-up task command');
  }
}

export function foldFollowUpTask(events: readonly FollowUpTaskEvent[]): FollowUpTaskState {
  return events.reduce(evolve, initialState());
}

export const followUpTaskDecider = { decide, evolve, initialState } as const;
