import { Inject } from '@nestjs/common';
import { Command, CommandHandler, type ICommandHandler } from '@nestjs/cqrs';
import {
  customerDecider,
  customerStreamId,
  type CustomerCommand,
  type CustomerEvent,
  type CustomerState,
} from '@aftercare/domain';
import { PII_VAULT } from '../pii/pii.module';
import type { PiiVault } from '../pii/pii-vault';
import { requestDigest, type CommandContext } from '../write/command-context';
import type { CommandResult } from '../write/command-result';
import { FoldedStates } from '../write/folded-states';
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
  /**
   * Customers' states by stream, so a command folds only what was appended since the last; folded
   * in place (the cache owns them): a write costs the same however long the customer's history.
   */
  private readonly states = new FoldedStates<CustomerState, CustomerEvent>(
    customerDecider.initialState,
    customerDecider.evolveOwned,
  );

  constructor(
    private readonly writer: StreamWriter,
    @Inject(PII_VAULT) private readonly pii: PiiVault,
  ) {}

  async execute({ command, context }: CustomerCommandEnvelope): Promise<CommandResult> {
    const result = await this.writer.write({
      streamId: customerStreamId(command.data.customerId),
      context,
      requestDigest: context.requestDigest ?? requestDigest(command),
      decide: (stream) => {
        const state = this.states.of(stream);
        // Personal data is sealed under the customer's key before it reaches the store.
        return this.pii.sealEvents(customerDecider.decide(command, state));
      },
    });
    // After the fact is recorded (a retried erasure shreds again, so a crash here is repaired
    // by the retry): deleting the key is what makes every copy unreadable.
    if (command.type === 'EraseCustomerPii') await this.pii.erase(command.data.customerId);
    return result;
  }
}
