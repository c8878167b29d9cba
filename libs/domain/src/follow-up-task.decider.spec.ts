import type { CreateFollowUpTask } from './follow-up-task.decider';
import { followUpTaskDecider } from './follow-up-task.decider';
import type { FollowUpTaskEvent } from './follow-up-task.events';
import { given as givenFor } from './testing/given-when-then';

const given = (events: FollowUpTaskEvent[] = []) => givenFor(followUpTaskDecider, events);

const create = (overrides: Partial<CreateFollowUpTask['data']> = {}): CreateFollowUpTask => ({
  type: 'CreateFollowUpTask',
  data: {
    taskId: 't-1',
    customerId: 'ada',
    occurredAt: '2025-03-01T10:00:00.000Z',
    kind: 'courtesy_call',
    reason: 'Courtesy call after delivery: delivery d-1 of purchase p-1',
    dueAt: '2025-03-03T10:00:00.000Z',
    queue: 'customer-care',
    ownerId: null,
    escalateTo: 'customer-care-leads',
    playbook: { playbookId: 'courtesy-call-after-delivery', version: 1, step: 0 },
    cause: {
      eventId: 'e-1',
      eventType: 'DeliveryCompleted',
      streamId: 'customer-ada',
      position: '42',
      occurredAt: '2025-03-01T10:00:00.000Z',
    },
    ...overrides,
  },
});

const created = (overrides: Partial<CreateFollowUpTask['data']> = {}): FollowUpTaskEvent => ({
  type: 'FollowUpTaskCreated',
  data: create(overrides).data,
});

describe('follow-up task decider', () => {
  it('creates a task naming its playbook version and cause', () => {
    given().when(create()).then([created()]);
  });

  it('refuses to create the same task twice (the reactor relies on it)', () => {
    given([created()]).when(create()).thenFails('task_already_exists');
  });

  it('refuses a task due before its cause happened', () => {
    given()
      .when(create({ dueAt: '2025-02-28T10:00:00.000Z' }))
      .thenFails('invalid_task');
  });

  it('completes with an outcome and who did it; late when after the due time', () => {
    given([created()])
      .when({
        type: 'CompleteFollowUpTask',
        data: {
          taskId: 't-1',
          occurredAt: '2025-03-02T09:00:00.000Z',
          outcome: 'reached',
          completedBy: 'agent-7',
        },
      })
      .then([
        {
          type: 'FollowUpTaskCompleted',
          data: {
            taskId: 't-1',
            customerId: 'ada',
            occurredAt: '2025-03-02T09:00:00.000Z',
            outcome: 'reached',
            completedBy: 'agent-7',
            late: false,
          },
        },
      ]);
    const [late] = given([created()])
      .when({
        type: 'CompleteFollowUpTask',
        data: {
          taskId: 't-1',
          occurredAt: '2025-03-04T09:00:00.000Z',
          outcome: 'no_answer',
          completedBy: 'agent-7',
        },
      })
      .events();
    expect(late.type === 'FollowUpTaskCompleted' && late.data.late).toBe(true);
  });

  it('issue_found names the complaint to open, derived from the task', () => {
    const [event] = given([created()])
      .when({
        type: 'CompleteFollowUpTask',
        data: {
          taskId: 't-1',
          occurredAt: '2025-03-02T09:00:00.000Z',
          outcome: 'issue_found',
          completedBy: 'agent-7',
          note: 'the door does not close',
        },
      })
      .events();
    expect(event).toMatchObject({
      type: 'FollowUpTaskCompleted',
      data: { outcome: 'issue_found', complaintId: 't-1.issue', note: 'the door does not close' },
    });
  });

  it('refuses to complete a missing or completed task', () => {
    const complete = {
      type: 'CompleteFollowUpTask' as const,
      data: {
        taskId: 't-1',
        occurredAt: '2025-03-02T09:00:00.000Z',
        outcome: 'reached' as const,
        completedBy: 'agent-7',
      },
    };
    given().when(complete).thenFails('task_not_found');
    const done = given([created()]).when(complete).events();
    given([created(), ...done])
      .when(complete)
      .thenFails('task_already_completed');
  });

  it('marks an open task overdue after its due time and escalates it', () => {
    given([created()])
      .when({
        type: 'MarkFollowUpTaskOverdue',
        data: { taskId: 't-1', occurredAt: '2025-03-03T10:00:01.000Z' },
      })
      .then([
        {
          type: 'FollowUpTaskOverdue',
          data: {
            taskId: 't-1',
            customerId: 'ada',
            occurredAt: '2025-03-03T10:00:01.000Z',
            dueAt: '2025-03-03T10:00:00.000Z',
          },
        },
        {
          type: 'FollowUpTaskEscalated',
          data: {
            taskId: 't-1',
            customerId: 'ada',
            occurredAt: '2025-03-03T10:00:01.000Z',
            level: 1,
            fromQueue: 'customer-care',
            toQueue: 'customer-care-leads',
            reason: 'not done by its due time 2025-03-03T10:00:00.000Z',
          },
        },
      ]);
  });

  it('does not escalate without an escalation queue', () => {
    const events = given([created({ escalateTo: null })])
      .when({
        type: 'MarkFollowUpTaskOverdue',
        data: { taskId: 't-1', occurredAt: '2025-03-04T00:00:00.000Z' },
      })
      .events();
    expect(events.map((e) => e.type)).toEqual(['FollowUpTaskOverdue']);
  });

  it('refuses to mark a task overdue before its due time', () => {
    given([created()])
      .when({
        type: 'MarkFollowUpTaskOverdue',
        data: { taskId: 't-1', occurredAt: '2025-03-03T10:00:00.000Z' },
      })
      .thenFails('task_not_due');
  });

  it('sweeping a completed or already overdue task changes nothing', () => {
    const sweep = {
      type: 'MarkFollowUpTaskOverdue' as const,
      data: { taskId: 't-1', occurredAt: '2025-03-05T00:00:00.000Z' },
    };
    const overdue = given([created()]).when(sweep).events();
    given([created(), ...overdue])
      .when(sweep)
      .then([]);
    const completed: FollowUpTaskEvent = {
      type: 'FollowUpTaskCompleted',
      data: {
        taskId: 't-1',
        customerId: 'ada',
        occurredAt: '2025-03-02T00:00:00.000Z',
        outcome: 'reached',
        completedBy: 'agent-7',
        late: false,
      },
    };
    given([created(), completed]).when(sweep).then([]);
  });

  it('an escalated task can still be completed, by anyone', () => {
    const overdue = given([created()])
      .when({
        type: 'MarkFollowUpTaskOverdue',
        data: { taskId: 't-1', occurredAt: '2025-03-05T00:00:00.000Z' },
      })
      .events();
    const [done] = given([created(), ...overdue])
      .when({
        type: 'CompleteFollowUpTask',
        data: {
          taskId: 't-1',
          occurredAt: '2025-03-05T01:00:00.000Z',
          outcome: 'declined',
          completedBy: 'lead-1',
        },
      })
      .events();
    expect(done).toMatchObject({ data: { outcome: 'declined', late: true } });
  });
});
