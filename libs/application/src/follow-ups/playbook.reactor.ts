import { Logger } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import {
  CUSTOMER_STREAM_CATEGORY,
  DEFAULT_PLAYBOOKS,
  isDomainError,
  PLAYBOOK_STREAM_CATEGORY,
  type PlaybookPublished,
  type PlaybookVersion,
  planFollowUps,
  playbooksInForce,
  playbookStreamId,
  playbookTriggerOf,
} from '@aftercare/domain';
import type { EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import { promisesProjection, type PromiseView } from '@aftercare/projections';
import {
  type BatchOutcome,
  type ConsumerContext,
  type EventConsumer,
  type ReadModelStore,
  TimeSlice,
} from '@aftercare/read-models';
import { SIGNAL_STREAM_CATEGORY } from '../signals/signal.events';
import { FollowUpTaskCommandEnvelope, PlaybookCommandEnvelope } from './follow-up.command-handlers';
import type { FollowUpSettings } from './follow-up-settings';

/** The reactor's checkpoint in the event store. */
export const PLAYBOOKS_CHECKPOINT = 'playbooks';
const DAY_MS = 86_400_000;

/** Event types some playbook trigger may fire on (the rules decide the rest). */
const CAUSE_TYPES = [
  'DeliveryCompleted',
  'SetupFailed',
  'ComplaintResolved',
  'RepairCompleted',
  'FeedbackReceived',
  'ChurnBandChanged',
  'PlaybookPublished',
];

type VersionAt = PlaybookVersion & { position: string };

/**
 * Runs the playbooks over the event log, as a consumer of the projection runtime (one instance at
 * a time, the holder of its lease, from its own checkpoint): each event a playbook reacts to
 * becomes the tasks its version in force plans, created through the task's handler with a command
 * id derived from the task id, itself derived from the cause event. An event handled again after
 * a crash (created, not yet checkpointed), or by another instance after a takeover, creates
 * nothing twice. On its first pass it publishes the default playbooks that do not exist yet.
 */
export class PlaybookReactor implements EventConsumer {
  readonly name = 'playbooks';
  readonly filter = {
    categories: [CUSTOMER_STREAM_CATEGORY, SIGNAL_STREAM_CATEGORY, PLAYBOOK_STREAM_CATEGORY],
    eventTypePrefixes: CAUSE_TYPES,
  };
  private readonly logger = new Logger('Playbooks');
  private versions: VersionAt[] = [];

  constructor(
    private readonly store: EventStore,
    private readonly commandBus: CommandBus,
    private readonly readModels: ReadModelStore | undefined,
    private readonly settings: FollowUpSettings,
    private readonly clock: () => Date = () => new Date(),
  ) {}

  async open(): Promise<GlobalPosition | undefined> {
    await this.publishDefaults();
    this.versions = [];
    for await (const event of this.store.readAll({
      filter: { categories: [PLAYBOOK_STREAM_CATEGORY], eventTypePrefixes: ['PlaybookPublished'] },
    })) {
      this.note(event);
    }
    return this.store.loadCheckpoint(PLAYBOOKS_CHECKPOINT);
  }

  async handle(batch: readonly RecordedEvent[], context: ConsumerContext): Promise<BatchOutcome> {
    const slice = new TimeSlice();
    const oldest = this.clock().getTime() - this.settings.maxCauseAgeDays * DAY_MS;
    for (const event of batch) {
      if (context.signal.aborted) return 'committed';
      await slice.pause();
      if (event.type === 'PlaybookPublished') {
        this.note(event);
        continue;
      }
      const occurredAt = (event.data as { occurredAt?: unknown }).occurredAt;
      if (typeof occurredAt !== 'string' || Date.parse(occurredAt) < oldest) continue;
      if (!playbookTriggerOf({ type: event.type, data: event.data as Record<string, unknown> })) {
        continue;
      }
      await this.react(event);
    }
    const last = batch[batch.length - 1].position;
    await context.commit(last, () => this.store.saveCheckpoint(PLAYBOOKS_CHECKPOINT, last));
    return 'committed';
  }

  /** The tasks one event plans, created (or found created) in order. */
  private async react(event: RecordedEvent): Promise<void> {
    const position = event.position.toString();
    const playbooks = playbooksInForce(this.versions, position);
    const cause = {
      eventId: event.id,
      type: event.type,
      streamId: event.streamId,
      position,
      data: event.data as Record<string, unknown>,
    };
    const needsOwner = playbooks.some((p) =>
      p.definition.steps.some((s) => s.assignee === 'account_owner'),
    );
    const customerId = (event.data as { customerId?: unknown }).customerId;
    const owner =
      needsOwner && typeof customerId === 'string' ? await this.accountOwner(customerId) : null;
    for (const command of planFollowUps(playbooks, cause, owner)) {
      try {
        await this.commandBus.execute(
          new FollowUpTaskCommandEnvelope(command, {
            commandId: `playbook:${command.data.taskId}`,
            actor: 'playbooks',
          }),
        );
      } catch (error) {
        // Created before under another command id (never, by construction) is fine; the rest retries.
        if (!(isDomainError(error) && error.code === 'task_already_exists')) throw error;
      }
    }
  }

  /** The agent who made the customer's latest promise: the one who knows them. */
  private async accountOwner(customerId: string): Promise<string | null> {
    if (!this.readModels) return null;
    const page = await this.readModels.list<PromiseView>(promisesProjection.name, {
      where: { customerId },
      orderBy: 'position',
      direction: 'desc',
      limit: 1,
    });
    return page.items[0]?.state.agentId ?? null;
  }

  private note(event: RecordedEvent): void {
    const d = event.data as PlaybookPublished['data'];
    if (this.versions.some((v) => v.playbookId === d.playbookId && v.version === d.version)) return;
    this.versions.push({
      playbookId: d.playbookId,
      version: d.version,
      name: d.name,
      definition: d.definition,
      position: event.position.toString(),
    });
  }

  private async exists(streamId: string): Promise<boolean> {
    for await (const _event of this.store.readStream(streamId, { maxCount: 1 })) return true;
    return false;
  }

  /** Version 1 of every default playbook whose stream does not exist yet. */
  private async publishDefaults(): Promise<void> {
    for (const playbook of DEFAULT_PLAYBOOKS) {
      if (await this.exists(playbookStreamId(playbook.playbookId))) continue;
      try {
        await this.commandBus.execute(
          new PlaybookCommandEnvelope(
            {
              type: 'PublishPlaybook',
              data: {
                ...playbook,
                version: 1,
                occurredAt: this.clock().toISOString(),
                publishedBy: 'aftercare (default)',
              },
            },
            { commandId: `playbook-default:${playbook.playbookId}:1`, actor: 'playbooks' },
          ),
        );
        this.logger.log(`published the default playbook ${playbook.playbookId} (version 1)`);
      } catch (error) {
        // Another writer published version 1 first: that one stands.
        if (!(isDomainError(error) && error.code === 'playbook_version_conflict')) throw error;
      }
    }
  }
}
