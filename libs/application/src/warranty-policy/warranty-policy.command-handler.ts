import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  warrantyPolicyDecider,
  warrantyPolicyStreamId,
  type PublishWarrantyPolicy,
  type WarrantyPolicyEvent,
} from '@aftercare/domain';
import { requestDigest, type CommandContext } from '../write/command-context';
import type { CommandResult } from '../write/command-result';
import { domainEvents } from '../write/load-stream';
import { StreamWriter } from '../write/stream-writer';

/** Publishing as callers ask for it: without a version, the next one is published. */
export type PublishWarrantyPolicyRequest = {
  type: 'PublishWarrantyPolicy';
  data: Omit<PublishWarrantyPolicy['data'], 'version'> & { version?: number };
};

export type WarrantyPolicyRequest = PublishWarrantyPolicyRequest;

export class WarrantyPolicyCommandEnvelope extends Command<CommandResult> {
  constructor(
    readonly command: WarrantyPolicyRequest,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The warranty policy aggregate's one handler: stream `warrantyPolicy-<policyId>`. */
@CommandHandler(WarrantyPolicyCommandEnvelope)
export class WarrantyPolicyCommandHandler implements ICommandHandler<WarrantyPolicyCommandEnvelope> {
  constructor(private readonly writer: StreamWriter) {}

  execute({ command, context }: WarrantyPolicyCommandEnvelope): Promise<CommandResult> {
    return this.writer.write({
      streamId: warrantyPolicyStreamId(command.data.policyId),
      context,
      requestDigest: context.requestDigest ?? requestDigest(command),
      decide: (stream) => {
        const state = domainEvents<WarrantyPolicyEvent>(stream).reduce(
          warrantyPolicyDecider.evolve,
          warrantyPolicyDecider.initialState(),
        );
        const version = command.data.version ?? state.version + 1;
        return warrantyPolicyDecider.decide(
          { type: 'PublishWarrantyPolicy', data: { ...command.data, version } },
          state,
        );
      },
    });
  }
}
