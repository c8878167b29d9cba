import { Inject, Logger } from '@nestjs/common';
import { Command, CommandBus, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  type ComplaintCategory,
  type ComplaintSeverity,
  customerDecider,
  type CustomerEvent,
  customerStreamId,
  DomainError,
  type FollowUpTaskCommand,
  type FollowUpTaskCompleted,
  type FollowUpTaskEvent,
  followUpTaskDecider,
  followUpTaskStreamId,
  isDomainError,
  type PlaybookEvent,
  playbookDecider,
  playbookStreamId,
  type PromiseCommand,
  type PromiseEvent,
  promiseDecider,
  promiseStreamId,
  type PublishPlaybook,
} from '@aftercare/domain';
import type { EventStore } from '@aftercare/event-store';
import { CustomerCommandEnvelope } from '../customer/customer.command-handler';
import { PII_VAULT } from '../pii/pii.module';
import type { PiiVault } from '../pii/pii-vault';
import { EVENT_STORE } from '../store/event-store.module';
import { requestDigest, type CommandContext } from '../write/command-context';
import type { CommandResult } from '../write/command-result';
import { domainEvents, loadStream } from '../write/load-stream';
import { StreamWriter } from '../write/stream-writer';

/** What the complaint an `issue_found` outcome opens says, when the agent tells more. */
export interface FoundIssue {
  category?: ComplaintCategory;
  severity?: ComplaintSeverity;
  description?: string;
}

/** A follow-up task command; completion may describe the issue found. */
export class FollowUpTaskCommandEnvelope extends Command<FollowUpTaskResult> {
  constructor(
    readonly command: FollowUpTaskCommand,
    readonly context: CommandContext,
    readonly issue: FoundIssue = {},
  ) {
    super();
  }
}

/** The task's result and, for `issue_found`, the complaint opened on the customer. */
export interface FollowUpTaskResult extends CommandResult {
  complaint?: { complaintId: string; result?: CommandResult; refused?: string };
}

/**
 * The follow-up task aggregate's handler (stream `followUpTask-<taskId>`). An `issue_found`
 * completion then files a complaint through the customer's own handler, naming the task; its
 * command id derives from the completion's, so a retried completion files it once.
 */
@CommandHandler(FollowUpTaskCommandEnvelope)
export class FollowUpTaskCommandHandler implements ICommandHandler<FollowUpTaskCommandEnvelope> {
  private readonly logger = new Logger('FollowUpTasks');

  constructor(
    private readonly writer: StreamWriter,
    private readonly commandBus: CommandBus,
    @Inject(PII_VAULT) private readonly pii: PiiVault,
  ) {}

  async execute({ command, context, issue }: FollowUpTaskCommandEnvelope) {
    const result: FollowUpTaskResult = await this.writer.write({
      streamId: followUpTaskStreamId(command.data.taskId),
      context,
      requestDigest: context.requestDigest ?? requestDigest({ command, issue }),
      decide: (stream) =>
        // An agent's note may hold personal data: sealed under the customer's key.
        this.pii.sealEvents(
          followUpTaskDecider.decide(
            command,
            domainEvents<FollowUpTaskEvent>(stream).reduce(
              followUpTaskDecider.evolve,
              followUpTaskDecider.initialState(),
            ),
          ),
        ),
    });
    const completed = result.events?.find((e) => e.type === 'FollowUpTaskCompleted')?.data as
      FollowUpTaskCompleted['data'] | undefined;
    if (completed?.complaintId === undefined) return result;
    const complaintId = completed.complaintId;
    try {
      const filed = await this.commandBus.execute(
        new CustomerCommandEnvelope(
          {
            type: 'FileComplaint',
            data: {
              customerId: completed.customerId,
              occurredAt: completed.occurredAt,
              complaintId,
              category: issue.category ?? 'other',
              severity: issue.severity ?? 'medium',
              channel: 'phone',
              remedySought: 'other',
              description:
                issue.description ?? completed.note ?? `Found on follow-up ${completed.taskId}`,
              followUpTaskId: completed.taskId,
            },
          },
          { ...context, commandId: `${context.commandId}:complaint`, requestDigest: undefined },
        ),
      );
      return { ...result, complaint: { complaintId, result: filed } };
    } catch (error) {
      // The task is done either way; a customer who cannot take a complaint (erased) is said so.
      if (!isDomainError(error)) throw error;
      this.logger.warn(`complaint ${complaintId} not filed: ${error.message}`);
      return { ...result, complaint: { complaintId, refused: error.message } };
    }
  }
}

/** A promise command. */
export class PromiseCommandEnvelope extends Command<CommandResult> {
  constructor(
    readonly command: PromiseCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/**
 * The promise aggregate's handler (stream `promise-<promiseId>`). A promise is made only to a
 * registered customer whose data was not erased: their stream is read first.
 */
@CommandHandler(PromiseCommandEnvelope)
export class PromiseCommandHandler implements ICommandHandler<PromiseCommandEnvelope> {
  constructor(
    private readonly writer: StreamWriter,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PII_VAULT) private readonly pii: PiiVault,
  ) {}

  execute({ command, context }: PromiseCommandEnvelope): Promise<CommandResult> {
    return this.writer.write({
      streamId: promiseStreamId(command.data.promiseId),
      context,
      requestDigest: context.requestDigest ?? requestDigest(command),
      decide: async (stream) => {
        if (command.type === 'MakePromise') {
          await this.requireCustomer(command.data.customerId);
          if (command.data.taskId !== undefined) {
            await this.requireTask(command.data.taskId, command.data.customerId);
          }
        }
        // What was promised and notes on it may hold personal data: sealed like a complaint's text.
        return this.pii.sealEvents(
          promiseDecider.decide(
            command,
            domainEvents<PromiseEvent>(stream).reduce(
              promiseDecider.evolve,
              promiseDecider.initialState(),
            ),
          ),
        );
      },
    });
  }

  /** A promise names its task so it traces to the playbook and the cause: the task must exist. */
  private async requireTask(taskId: string, customerId: string): Promise<void> {
    const stream = await loadStream(this.store, followUpTaskStreamId(taskId));
    const task = domainEvents<FollowUpTaskEvent>(stream).reduce(
      followUpTaskDecider.evolve,
      followUpTaskDecider.initialState(),
    );
    if (task.status === 'none') {
      throw new DomainError('task_not_found', `No follow-up task ${taskId}`, { taskId });
    }
    if (task.customerId !== customerId) {
      throw new DomainError('invalid_promise', `Task ${taskId} is about another customer`, {
        taskId,
        customerId,
      });
    }
  }

  private async requireCustomer(customerId: string): Promise<void> {
    const stream = await loadStream(this.store, customerStreamId(customerId));
    const state = domainEvents<CustomerEvent>(stream).reduce(
      customerDecider.evolve,
      customerDecider.initialState(),
    );
    if (state.status === 'unregistered') {
      throw new DomainError('customer_not_found', `Customer ${customerId} is not registered`, {
        customerId,
      });
    }
    if (state.status === 'erased') {
      throw new DomainError('customer_erased', `Customer ${customerId}'s data was erased`, {
        customerId,
      });
    }
  }
}

/** Publishing as callers ask for it: without a version, the next one is published. */
export type PublishPlaybookRequest = {
  type: 'PublishPlaybook';
  data: Omit<PublishPlaybook['data'], 'version'> & { version?: number };
};

export class PlaybookCommandEnvelope extends Command<CommandResult> {
  constructor(
    readonly command: PublishPlaybookRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The playbook aggregate's handler: stream `playbook-<playbookId>`. */
@CommandHandler(PlaybookCommandEnvelope)
export class PlaybookCommandHandler implements ICommandHandler<PlaybookCommandEnvelope> {
  constructor(private readonly writer: StreamWriter) {}

  execute({ command, context }: PlaybookCommandEnvelope): Promise<CommandResult> {
    return this.writer.write({
      streamId: playbookStreamId(command.data.playbookId),
      context,
      requestDigest: context.requestDigest ?? requestDigest(command),
      decide: (stream) => {
        const state = domainEvents<PlaybookEvent>(stream).reduce(
          playbookDecider.evolve,
          playbookDecider.initialState(),
        );
        const version = command.data.version ?? state.version + 1;
        return playbookDecider.decide(
          { type: 'PublishPlaybook', data: { ...command.data, version } },
          state,
        );
      },
    });
  }
}
