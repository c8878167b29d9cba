import type { CreateFollowUpTask } from './follow-up-task.decider';
import type { CauseRef } from './follow-up-task.events';
import { sha256Hex } from './canonical-json';
import type { PlaybookTrigger, PlaybookVersion } from './playbook.events';
import { toIso, toMillis } from './time';

/**
 * What a playbook reacts to and what it plans: pure, so the reactor that runs playbooks over the
 * event log and a test that replays one event plan the same tasks with the same ids.
 */

/** A stored event a playbook may react to (any stream: customer, signal, ...). */
export type CauseEvent = {
  eventId: string;
  type: string;
  streamId: string;
  /** Global position, as a decimal string. */
  position: string;
  data: Readonly<Record<string, unknown>>;
};

const HOUR_MS = 3_600_000;

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);
const num = (value: unknown): number | undefined => (typeof value === 'number' ? value : undefined);

/** The trigger an event fires, with a few words on it for the agent; undefined for none. */
export function playbookTriggerOf(
  event: Pick<CauseEvent, 'type' | 'data'>,
): { trigger: PlaybookTrigger; summary: string } | undefined {
  const d = event.data;
  switch (event.type) {
    case 'DeliveryCompleted':
      return {
        trigger: 'delivery_completed',
        summary: `delivery ${str(d.deliveryId)} of purchase ${str(d.purchaseId)}${d.onTime === false ? ' (late)' : ''}`,
      };
    case 'SetupFailed':
      return {
        trigger: 'setup_failed',
        // Not the reason: free text, sealed as personal data in the store.
        summary: `setup of purchase ${str(d.purchaseId)} failed (visit ${num(d.attempt) ?? 1})`,
      };
    case 'ComplaintResolved':
      return {
        trigger: 'complaint_resolved',
        summary: `complaint ${str(d.complaintId)} resolved (${str(d.remedyGiven)})`,
      };
    case 'RepairCompleted':
      if (d.paidBy !== 'warranty' && str(d.warrantyClaimId) === undefined) return undefined;
      return {
        trigger: 'warranty_repair_completed',
        summary: `warranty repair ${str(d.repairId)} of serial ${str(d.serialNumber)} (${str(d.defectCode)})`,
      };
    case 'ChurnBandChanged': {
      const p = num(d.probability);
      if (d.to !== 'high' || d.from === 'high') return undefined;
      return {
        trigger: 'churn_band_high',
        summary: `churn risk turned high${p === undefined ? '' : ` (${Math.round(p * 100)}%)`}`,
      };
    }
    case 'FeedbackReceived': {
      const nps = num(d.nps) ?? num(d.score);
      if (nps === undefined || nps > 6) return undefined;
      return { trigger: 'detractor_feedback', summary: `NPS ${nps} (detractor)` };
    }
    default:
      return undefined;
  }
}

/** A task's id from its cause: the same playbook step reacting to the same event, the same id. */
export function followUpTaskId(playbookId: string, step: number, causeEventId: string): string {
  return `ft_${sha256Hex(`${playbookId}:${step}:${causeEventId}`).slice(0, 24)}`;
}

/**
 * The version of each playbook in force at `position`: the latest published before it, or, for
 * history older than the playbook, its first version (so playbooks seeded on a store that already
 * has history react to that history too). `versions` may come in any order.
 */
export function playbooksInForce(
  versions: readonly (PlaybookVersion & { position: string })[],
  position: string,
): PlaybookVersion[] {
  const at = BigInt(position);
  const byId = new Map<string, PlaybookVersion & { position: string }>();
  const isBefore = (v: { position: string }): boolean => BigInt(v.position) < at;
  for (const v of versions) {
    const seen = byId.get(v.playbookId);
    const better =
      seen === undefined ||
      (isBefore(v) && (!isBefore(seen) || v.version > seen.version)) ||
      (!isBefore(v) && !isBefore(seen) && v.version < seen.version);
    if (better) byId.set(v.playbookId, v);
  }
  return [...byId.values()]
    .sort((a, b) => a.playbookId.localeCompare(b.playbookId))
    .map(({ position: _position, ...v }) => v);
}

/**
 * The tasks the playbooks in force plan for one event: one per step of every enabled playbook
 * whose trigger the event fires. `accountOwner` is the customer's account owner, if known.
 */
export function planFollowUps(
  playbooks: readonly PlaybookVersion[],
  cause: CauseEvent,
  accountOwner: string | null,
): CreateFollowUpTask[] {
  const fired = playbookTriggerOf(cause);
  const customerId = str(cause.data.customerId);
  const occurredAt = str(cause.data.occurredAt);
  if (!fired || customerId === undefined || occurredAt === undefined) return [];
  const causeRef: CauseRef = {
    eventId: cause.eventId,
    eventType: cause.type,
    streamId: cause.streamId,
    position: cause.position,
    occurredAt,
  };
  const at = toMillis(occurredAt);
  const commands: CreateFollowUpTask[] = [];
  for (const playbook of playbooks) {
    const { definition } = playbook;
    if (!definition.enabled || definition.trigger !== fired.trigger) continue;
    definition.steps.forEach((step, index) => {
      const owner = step.assignee === 'account_owner' ? accountOwner : null;
      commands.push({
        type: 'CreateFollowUpTask',
        data: {
          taskId: followUpTaskId(playbook.playbookId, index, cause.eventId),
          customerId,
          occurredAt,
          kind: step.kind,
          reason: `${step.title}: ${fired.summary}`,
          dueAt: toIso(at + step.dueAfterHours * HOUR_MS),
          queue: step.queue,
          ownerId: owner,
          escalateTo: step.escalateTo,
          playbook: { playbookId: playbook.playbookId, version: playbook.version, step: index },
          cause: causeRef,
        },
      });
    });
  }
  return commands;
}
