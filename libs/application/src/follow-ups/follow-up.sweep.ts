import { Logger } from '@nestjs/common';
import type { CommandBus } from '@nestjs/cqrs';
import {
  followUpTasksProjection,
  type FollowUpTaskView,
  promisesProjection,
  type PromiseView,
} from '@aftercare/projections';
import {
  type JobContext,
  type ListQuery,
  type ReadModelStore,
  type ScheduledConsumer,
  TimeSlice,
} from '@aftercare/read-models';
import type { CommandContext } from '../write/command-context';
import { IdempotencyKeyReused } from '../write/application.errors';
import { FollowUpTaskCommandEnvelope, PromiseCommandEnvelope } from './follow-up.command-handlers';
import type { FollowUpSettings } from './follow-up-settings';

const PAGE = 200;

/**
 * The due-time sweep, a scheduled consumer of the projection runtime (one instance at a time):
 * open tasks whose due time passed become FollowUpTaskOverdue (and escalate where their playbook
 * says so), open promises past due by more than the grace become PromiseBroken. "Now" is the
 * clock here, never in the domain. It reads the worklist read models, so it acts on what they
 * have caught up to; each write's command id derives from the task or promise, so two sweeps
 * that overlap (a takeover) record each fact once.
 */
export class FollowUpSweep implements ScheduledConsumer {
  readonly name = 'follow-up-sweep';
  readonly intervalMs: number;
  private readonly logger = new Logger('FollowUpSweep');

  constructor(
    private readonly readModels: ReadModelStore,
    private readonly commandBus: CommandBus,
    private readonly settings: FollowUpSettings,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.intervalMs = settings.sweepIntervalMs;
  }

  async run({ signal }: JobContext): Promise<void> {
    const counts = await this.sweep(signal);
    if (counts.tasks + counts.promises > 0) {
      this.logger.log(`${counts.tasks} task(s) overdue, ${counts.promises} promise(s) broken`);
    }
  }

  /** One pass; answers how many tasks went overdue and promises broke. */
  async sweep(signal?: AbortSignal): Promise<{ tasks: number; promises: number }> {
    const now = this.clock();
    const at = now.toISOString();
    const context = (id: string): CommandContext => ({ commandId: id, actor: 'follow-up-sweep' });
    let tasks = 0;
    for await (const task of this.due<FollowUpTaskView>(
      followUpTasksProjection.name,
      [
        { column: 'status', op: '=', value: 'open' },
        { column: 'overdue', op: '=', value: 0 },
        { column: 'dueAt', op: '<', value: at },
      ],
      signal,
    )) {
      const recorded = await this.once(
        new FollowUpTaskCommandEnvelope(
          { type: 'MarkFollowUpTaskOverdue', data: { taskId: task.taskId, occurredAt: at } },
          context(`sweep:overdue:${task.taskId}`),
        ),
      );
      if (recorded) tasks++;
    }
    const breakBefore = new Date(now.getTime() - this.settings.promiseGraceMs).toISOString();
    let promises = 0;
    for await (const promise of this.due<PromiseView>(
      promisesProjection.name,
      [
        { column: 'status', op: '=', value: 'open' },
        { column: 'dueAt', op: '<', value: breakBefore },
      ],
      signal,
    )) {
      const recorded = await this.once(
        new PromiseCommandEnvelope(
          { type: 'BreakOverduePromise', data: { promiseId: promise.promiseId, occurredAt: at } },
          context(`sweep:broken:${promise.promiseId}`),
        ),
      );
      if (recorded) promises++;
    }
    return { tasks, promises };
  }

  /**
   * Records one sweep fact; false when it was recorded before. The read models lag the store, so
   * a pass that runs before they have folded an earlier pass's write sees the task still open and
   * asks again, with its own "now": the command id (derived from the task or promise) was used
   * with another time, which here means "already done", not a client reusing a key.
   */
  private async once(
    command: FollowUpTaskCommandEnvelope | PromiseCommandEnvelope,
  ): Promise<boolean> {
    try {
      const result = await this.commandBus.execute(command);
      return result.eventIds.length > 0 && !result.replayed;
    } catch (error) {
      if (error instanceof IdempotencyKeyReused) return false;
      throw error;
    }
  }

  /** Rows matching `where`, page by page (keyset), yielding to the event loop between them. */
  private async *due<T>(
    name: string,
    where: NonNullable<ListQuery['where']>,
    signal?: AbortSignal,
  ): AsyncGenerator<T> {
    const slice = new TimeSlice();
    let after: string | undefined;
    do {
      const page = await this.readModels.list<T>(name, {
        where,
        orderBy: 'dueAt',
        limit: PAGE,
        ...(after ? { after } : {}),
      });
      for (const item of page.items) {
        if (signal?.aborted) return;
        await slice.pause();
        yield item.state;
      }
      after = page.nextCursor;
    } while (after !== undefined);
  }
}
