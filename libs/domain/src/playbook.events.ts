import type { DomainEvent, IsoDateTime } from './domain-event';
import type { FollowUpKind } from './follow-up-task.events';

/**
 * Playbook stream `playbook-<playbookId>`: each version of a rule that turns an event into
 * follow-up tasks. Playbooks are data, versioned like warranty policies, so every task names
 * the version that planned it. Like policy events, they carry no `customerId`.
 */

/** The events a playbook can react to. */
export const PLAYBOOK_TRIGGERS = [
  /** DeliveryCompleted. */
  'delivery_completed',
  /** SetupFailed. */
  'setup_failed',
  /** ComplaintResolved. */
  'complaint_resolved',
  /** RepairCompleted paid by the warranty or fulfilling a warranty claim. */
  'warranty_repair_completed',
  /** ChurnBandChanged (a signal) to the high band. */
  'churn_band_high',
  /** FeedbackReceived with an NPS of 0-6. */
  'detractor_feedback',
] as const;
export type PlaybookTrigger = (typeof PLAYBOOK_TRIGGERS)[number];

/**
 * Who gets a planned task: a queue, or the customer's account owner (the agent who last made
 * them a promise or acknowledged their complaint), falling back to the queue when they have none.
 */
export const PLAYBOOK_ASSIGNEES = ['queue', 'account_owner'] as const;
export type PlaybookAssignee = (typeof PLAYBOOK_ASSIGNEES)[number];

export type PlaybookStep = {
  kind: FollowUpKind;
  /** Due this many hours after the cause event's business time. */
  dueAfterHours: number;
  assignee: PlaybookAssignee;
  queue: string;
  /** The queue an overdue task moves to; null keeps it where it is. */
  escalateTo: string | null;
  /** What the agent sees, e.g. "Courtesy call after delivery". */
  title: string;
};

export type PlaybookDefinition = {
  trigger: PlaybookTrigger;
  /** A disabled version plans nothing (publishing one switches a playbook off). */
  enabled: boolean;
  steps: PlaybookStep[];
};

export type PlaybookPublished = DomainEvent<
  'PlaybookPublished',
  {
    playbookId: string;
    /** 1, 2, 3, ... with no gaps. */
    version: number;
    occurredAt: IsoDateTime;
    name: string;
    definition: PlaybookDefinition;
    publishedBy?: string;
  }
>;

export type PlaybookEvent = PlaybookPublished;
export type PlaybookEventType = PlaybookEvent['type'];

export const PLAYBOOK_EVENT_TYPES = [
  'PlaybookPublished',
] as const satisfies readonly PlaybookEventType[];

export const PLAYBOOK_STREAM_CATEGORY = 'playbook';
export const playbookStreamId = (playbookId: string): string =>
  `${PLAYBOOK_STREAM_CATEGORY}-${playbookId}`;

/** One published version, as the reactor needs it. */
export type PlaybookVersion = {
  playbookId: string;
  version: number;
  name: string;
  definition: PlaybookDefinition;
};

export function isPlaybookEvent(event: { type: string }): event is PlaybookEvent {
  return (PLAYBOOK_EVENT_TYPES as readonly string[]).includes(event.type);
}
