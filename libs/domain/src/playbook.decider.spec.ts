import { DEFAULT_PLAYBOOKS } from './playbook.defaults';
import type { PublishPlaybook } from './playbook.decider';
import { playbookDecider } from './playbook.decider';
import type { PlaybookDefinition, PlaybookEvent, PlaybookVersion } from './playbook.events';
import {
  followUpTaskId,
  planFollowUps,
  playbooksInForce,
  playbookTriggerOf,
  type CauseEvent,
} from './playbook.rules';
import { given as givenFor } from './testing/given-when-then';

const given = (events: PlaybookEvent[] = []) => givenFor(playbookDecider, events);
const courtesy = DEFAULT_PLAYBOOKS[0];

const publish = (version: number, definition = courtesy.definition): PublishPlaybook => ({
  type: 'PublishPlaybook',
  data: {
    playbookId: courtesy.playbookId,
    version,
    occurredAt: '2025-01-01T00:00:00.000Z',
    name: courtesy.name,
    definition,
    publishedBy: 'admin-1',
  },
});
const published = (version: number): PlaybookEvent => ({
  type: 'PlaybookPublished',
  data: publish(version).data,
});

const delivered: CauseEvent = {
  eventId: 'ev-1',
  type: 'DeliveryCompleted',
  streamId: 'customer-ada',
  position: '10',
  data: {
    customerId: 'ada',
    occurredAt: '2025-03-01T10:00:00.000Z',
    deliveryId: 'd-1',
    purchaseId: 'p-1',
    onTime: true,
  },
};

const version = (n: number, definition: PlaybookDefinition, position: string) => ({
  playbookId: courtesy.playbookId,
  version: n,
  name: courtesy.name,
  definition,
  position,
});

describe('playbook decider', () => {
  it('publishes versions 1, 2, ... and refuses gaps', () => {
    given()
      .when(publish(1))
      .then([published(1)]);
    given([published(1)])
      .when(publish(2))
      .then([published(2)]);
    given([published(1)])
      .when(publish(3))
      .thenFails('playbook_version_conflict');
  });

  it('refuses an invalid definition, naming every problem', () => {
    const bad = {
      trigger: 'never' as never,
      enabled: true,
      steps: [
        {
          kind: 'visit' as never,
          dueAfterHours: -1,
          assignee: 'queue' as const,
          queue: 'bad queue',
          escalateTo: null,
          title: '',
        },
      ],
    };
    const error = given().when(publish(1, bad)).thenFails('invalid_playbook');
    expect(error.details.problems).toEqual([
      expect.stringMatching(/^trigger must be one of/),
      expect.stringMatching(/^steps\[0\]\.kind must be one of/),
      'steps[0].dueAfterHours must be between 0 and 8784',
      'steps[0].queue is not a valid queue name',
      'steps[0].title is empty',
    ]);
    given()
      .when(publish(1, { ...courtesy.definition, steps: [] }))
      .thenFails('invalid_playbook');
  });

  it('the defaults are valid playbooks', () => {
    for (const p of DEFAULT_PLAYBOOKS) {
      given()
        .when({
          type: 'PublishPlaybook',
          data: { ...p, version: 1, occurredAt: '2025-01-01T00:00:00.000Z' },
        })
        .events();
    }
  });
});

describe('playbook rules', () => {
  it('maps events to triggers, and ignores what no playbook reacts to', () => {
    const of = (type: string, data: Record<string, unknown>) =>
      playbookTriggerOf({ type, data })?.trigger;
    expect(of('DeliveryCompleted', {})).toBe('delivery_completed');
    expect(of('SetupFailed', {})).toBe('setup_failed');
    expect(of('ComplaintResolved', {})).toBe('complaint_resolved');
    expect(of('RepairCompleted', { paidBy: 'warranty' })).toBe('warranty_repair_completed');
    expect(of('RepairCompleted', { paidBy: 'customer' })).toBeUndefined();
    expect(of('ChurnBandChanged', { from: 'medium', to: 'high' })).toBe('churn_band_high');
    expect(of('ChurnBandChanged', { from: 'high', to: 'medium' })).toBeUndefined();
    expect(of('FeedbackReceived', { nps: 6 })).toBe('detractor_feedback');
    expect(of('FeedbackReceived', { nps: 7 })).toBeUndefined();
    expect(of('FeedbackReceived', { csat: 1 })).toBeUndefined();
    expect(of('PurchaseRecorded', {})).toBeUndefined();
  });

  it('plans one task per step, due from the cause, traceable to version and event', () => {
    const setup = DEFAULT_PLAYBOOKS.find((p) => p.definition.trigger === 'setup_failed');
    const playbooks: PlaybookVersion[] = DEFAULT_PLAYBOOKS.map((p) => ({ ...p, version: 1 }));
    const failed: CauseEvent = {
      ...delivered,
      type: 'SetupFailed',
      data: {
        customerId: 'ada',
        occurredAt: '2025-03-01T10:00:00.000Z',
        purchaseId: 'p-1',
        reason: 'no water connection',
      },
    };
    const tasks = planFollowUps(playbooks, failed, null);
    expect(tasks.map((t) => [t.data.kind, t.data.dueAt, t.data.queue])).toEqual([
      ['revisit', '2025-03-03T10:00:00.000Z', 'field-service'],
      ['courtesy_call', '2025-03-04T10:00:00.000Z', 'customer-care'],
    ]);
    expect(tasks[0].data).toMatchObject({
      customerId: 'ada',
      taskId: followUpTaskId(setup?.playbookId ?? '', 0, 'ev-1'),
      playbook: { playbookId: 'revisit-after-failed-setup', version: 1, step: 0 },
      cause: {
        eventId: 'ev-1',
        eventType: 'SetupFailed',
        streamId: 'customer-ada',
        position: '10',
      },
      reason: 'Revisit to finish the setup: setup of purchase p-1 failed (visit 1)',
    });
    // The same event planned again gives the same ids: reprocessing duplicates nothing.
    expect(planFollowUps(playbooks, failed, null)).toEqual(tasks);
  });

  it('gives a recovery call to the account owner, or leaves it in its queue', () => {
    const playbooks: PlaybookVersion[] = DEFAULT_PLAYBOOKS.map((p) => ({ ...p, version: 1 }));
    const churn: CauseEvent = {
      ...delivered,
      type: 'ChurnBandChanged',
      streamId: 'signal-ada',
      data: { customerId: 'ada', occurredAt: '2025-03-01T10:00:00.000Z', from: 'low', to: 'high' },
    };
    expect(planFollowUps(playbooks, churn, 'agent-7')[0].data).toMatchObject({
      kind: 'recovery_call',
      queue: 'retention',
      ownerId: 'agent-7',
    });
    expect(planFollowUps(playbooks, churn, null)[0].data.ownerId).toBeNull();
  });

  it('a disabled version plans nothing', () => {
    const off = { ...courtesy.definition, enabled: false };
    expect(planFollowUps([{ ...version(2, off, '5') }], delivered, null)).toEqual([]);
  });

  it('uses the version published before the event, or the first for older history', () => {
    const v1 = version(1, courtesy.definition, '5');
    const v2 = version(2, { ...courtesy.definition, enabled: false }, '20');
    expect(playbooksInForce([v2, v1], '10').map((p) => p.version)).toEqual([1]);
    expect(playbooksInForce([v1, v2], '21').map((p) => p.version)).toEqual([2]);
    expect(playbooksInForce([v2, v1], '3').map((p) => p.version)).toEqual([1]);
  });
});
