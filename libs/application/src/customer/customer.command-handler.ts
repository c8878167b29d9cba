import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  customerDecider,
  customerStreamId,
  type CustomerCommand,
  type CustomerEvent,
} from '@aftercare/domain';
import { requestDigest, type CommandContext } from '../write/command-context';
import type { CommandResult } from '../write/command-result';
import { domainEvents } from '../write/load-stream';
import { StreamWriter } from '../write/stream-writer';

/** Any customer command, with who asks and under which command id. */
export class CustomerCommandEnvelope extends Command<CommandResult> {
  constructor(
    readonly command: CustomerCommand,
    readonly context: CommandContext,
  ) {
    super();
  }
}

/** The customer aggregate's one handler: stream `customer-<customerId>`. */
@CommandHandler(CustomerCommandEnvelope)
export class CustomerCommandHandler implements ICommandHandler<CustomerCommandEnvelope> {
  constructor(private readonly writer: StreamWriter) {}

  execute({ command, context }: CustomerCommandEnvelope): Promise<CommandResult> {
    return this.writer.write({
      streamId: customerStreamId(command.data.customerId),
      context,
      requestDigest: context.requestDigest ?? requestDigest(command),
      decide: (stream) => {
        const state = domainEvents<CustomerEvent>(stream).reduce(
          customerDecider.evolve,
          customerDecider.initialState(),
        );
        return customerDecider.decide(command, state);
      },
    });
  }
}
