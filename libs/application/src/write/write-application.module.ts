import { Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { CustomerCommandHandler } from '../customer/customer.command-handler';
import {
  FollowUpTaskCommandHandler,
  PlaybookCommandHandler,
  PromiseCommandHandler,
} from '../follow-ups/follow-up.command-handlers';
import { CryptoModule } from '../crypto/crypto.module';
import { PiiModule } from '../pii/pii.module';
import { EventStoreModule } from '../store/event-store.module';
import {
  PRIOR_CLAIMS_FINDER,
  IndexedPriorClaimsFinder,
} from '../warranty-claim/prior-claims.finder';
import { WarrantyClaimCommandHandler } from '../warranty-claim/warranty-claim.command-handler';
import { WarrantyPolicyCommandHandler } from '../warranty-policy/warranty-policy.command-handler';
import { StreamWriter } from './stream-writer';

/**
 * The write side: one command handler per aggregate on the CommandBus. Entry points (API, CLI,
 * seeder) import this module and `commandBus.execute(new CustomerCommandEnvelope(command, ctx))`.
 */
@Module({
  imports: [CqrsModule.forRoot(), EventStoreModule, CryptoModule, PiiModule],
  providers: [
    StreamWriter,
    CustomerCommandHandler,
    WarrantyClaimCommandHandler,
    WarrantyPolicyCommandHandler,
    FollowUpTaskCommandHandler,
    PromiseCommandHandler,
    PlaybookCommandHandler,
    { provide: PRIOR_CLAIMS_FINDER, useClass: IndexedPriorClaimsFinder },
  ],
  exports: [CqrsModule, StreamWriter, PRIOR_CLAIMS_FINDER],
})
export class WriteApplicationModule {}
