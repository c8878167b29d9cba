import type {
  CauseRef,
  FollowUpKind,
  FollowUpOutcome,
  PlaybookRef,
  PromiseBreakReason,
} from '@aftercare/domain';
import { FOLLOW_UP_TASK_STREAM_CATEGORY, PROMISE_STREAM_CATEGORY } from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import { asAftercareEvent } from './event-data';
import type { Projection } from './projection';

/**
 * The worklist read models: one row per follow-up task and per promise, with the columns the
 * lists filter and sort on (queue, owner, status, due time), and kept rates per agent and queue.
 * Every row keeps the playbook version and the cause event (or the task) it came from.
 */

export type TaskStatus = 'open' | 'done';

export interface FollowUpTaskView {
  taskId: string;
  customerId: string;
  kind: FollowUpKind | null;
  reason: string | null;
  status: TaskStatus;
  createdAt: string | null;
  dueAt: string | null;
  queue: string | null;
  ownerId: string | null;
  overdue: boolean;
  overdueAt: string | null;
  escalations: number;
  playbook: PlaybookRef | null;
  cause: CauseRef | null;
  outcome: FollowUpOutcome | null;
  completedBy: string | null;
  completedAt: string | null;
  late: boolean | null;
  note: string | null;
  complaintId: string | null;
}

const field = (event: RecordedEvent, name: string): string | undefined => {
  const value = (event.data as Record<string, unknown> | null)?.[name];
  return typeof value === 'string' ? value : undefined;
};

export const followUpTasksProjection: Projection<FollowUpTaskView> = {
  name: 'follow_up_tasks',
  version: 1,
  filter: { categories: [FOLLOW_UP_TASK_STREAM_CATEGORY] },
  keyOf: (event) => field(event, 'taskId'),
  initialState: (taskId) => ({
    taskId,
    customerId: '',
    kind: null,
    reason: null,
    status: 'open',
    createdAt: null,
    dueAt: null,
    queue: null,
    ownerId: null,
    overdue: false,
    overdueAt: null,
    escalations: 0,
    playbook: null,
    cause: null,
    outcome: null,
    completedBy: null,
    completedAt: null,
    late: null,
    note: null,
    complaintId: null,
  }),
  evolve: (state, recorded) => {
    const event = asAftercareEvent(recorded);
    if (!event) return state;
    switch (event.type) {
      case 'FollowUpTaskCreated': {
        const d = event.data;
        return {
          ...state,
          customerId: d.customerId,
          kind: d.kind,
          reason: d.reason,
          createdAt: d.occurredAt,
          dueAt: d.dueAt,
          queue: d.queue,
          ownerId: d.ownerId,
          playbook: d.playbook,
          cause: d.cause,
        };
      }
      case 'FollowUpTaskCompleted': {
        const d = event.data;
        return {
          ...state,
          status: 'done',
          outcome: d.outcome,
          completedBy: d.completedBy,
          completedAt: d.occurredAt,
          late: d.late,
          note: d.note ?? null,
          complaintId: d.complaintId ?? null,
        };
      }
      case 'FollowUpTaskOverdue':
        return { ...state, overdue: true, overdueAt: event.data.occurredAt };
      case 'FollowUpTaskEscalated':
        return {
          ...state,
          queue: event.data.toQueue,
          ownerId: null,
          escalations: event.data.level,
        };
      default:
        return state;
    }
  },
  columns: {
    status: (s) => s.status,
    queue: (s) => s.queue,
    ownerId: (s) => s.ownerId,
    dueAt: (s) => s.dueAt,
    customerId: (s) => s.customerId,
    overdue: (s) => (s.overdue ? 1 : 0),
  },
  // The worklist's filters and its order (due time), the sweep's and a customer's tasks.
  // `overdue` is only ever asked of open tasks, which `status` has narrowed.
  indexes: ['status', 'queue', 'ownerId', 'dueAt', 'customerId'],
};

export type PromiseStatusView = 'open' | 'kept' | 'broken';

export interface PromiseView {
  promiseId: string;
  customerId: string;
  agentId: string | null;
  queue: string | null;
  text: string | null;
  madeAt: string | null;
  dueAt: string | null;
  taskId: string | null;
  status: PromiseStatusView;
  settledAt: string | null;
  recordedBy: string | null;
  breakReason: PromiseBreakReason | null;
  note: string | null;
}

export const promisesProjection: Projection<PromiseView> = {
  name: 'promises',
  version: 1,
  filter: { categories: [PROMISE_STREAM_CATEGORY] },
  keyOf: (event) => field(event, 'promiseId'),
  initialState: (promiseId) => ({
    promiseId,
    customerId: '',
    agentId: null,
    queue: null,
    text: null,
    madeAt: null,
    dueAt: null,
    taskId: null,
    status: 'open',
    settledAt: null,
    recordedBy: null,
    breakReason: null,
    note: null,
  }),
  evolve: (state, recorded) => {
    const event = asAftercareEvent(recorded);
    if (!event) return state;
    switch (event.type) {
      case 'PromiseMade': {
        const d = event.data;
        return {
          ...state,
          customerId: d.customerId,
          agentId: d.agentId,
          queue: d.queue,
          text: d.text,
          madeAt: d.occurredAt,
          dueAt: d.dueAt,
          taskId: d.taskId ?? null,
        };
      }
      case 'PromiseKept':
      case 'PromiseBroken': {
        const d = event.data;
        return {
          ...state,
          status: event.type === 'PromiseKept' ? 'kept' : 'broken',
          settledAt: d.occurredAt,
          recordedBy: d.recordedBy,
          breakReason: event.type === 'PromiseBroken' ? event.data.reason : null,
          note: d.note ?? null,
        };
      }
      default:
        return state;
    }
  },
  columns: {
    status: (s) => s.status,
    agentId: (s) => s.agentId,
    queue: (s) => s.queue,
    dueAt: (s) => s.dueAt,
    customerId: (s) => s.customerId,
  },
  // The promise list's filters and its order (due time), the sweep's, and a customer's latest.
  indexes: ['status', 'agentId', 'queue', 'dueAt', 'customerId'],
};

/** Promises made, kept and broken by one agent or one queue. */
export interface PromiseRate {
  key: string;
  made: number;
  kept: number;
  broken: number;
  /** Broken by the due-time sweep (nobody recorded anything). */
  brokenOverdue: number;
}

function promiseRateProjection(
  name: string,
  keyField: 'agentId' | 'queue',
): Projection<PromiseRate> {
  return {
    name,
    version: 1,
    filter: { categories: [PROMISE_STREAM_CATEGORY] },
    keyOf: (event) => field(event, keyField),
    initialState: (key) => ({ key, made: 0, kept: 0, broken: 0, brokenOverdue: 0 }),
    evolve: (state, recorded) => {
      const event = asAftercareEvent(recorded);
      if (!event) return state;
      switch (event.type) {
        case 'PromiseMade':
          return { ...state, made: state.made + 1 };
        case 'PromiseKept':
          return { ...state, kept: state.kept + 1 };
        case 'PromiseBroken':
          return {
            ...state,
            broken: state.broken + 1,
            brokenOverdue: state.brokenOverdue + (event.data.reason === 'overdue' ? 1 : 0),
          };
        default:
          return state;
      }
    },
    columns: { made: (s) => s.made },
    // Listed in key order only: no column index.
    indexes: [],
  };
}

export const promiseRatesByAgentProjection = promiseRateProjection(
  'promise_rates_agent',
  'agentId',
);
export const promiseRatesByQueueProjection = promiseRateProjection('promise_rates_queue', 'queue');

/** Kept share of settled promises; null before any is settled. */
export function keptRate(rate: PromiseRate): number | null {
  const settled = rate.kept + rate.broken;
  return settled === 0 ? null : Math.round((rate.kept / settled) * 10_000) / 10_000;
}
