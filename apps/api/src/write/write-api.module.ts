import { Module } from '@nestjs/common';
import { WriteApplicationModule } from '@aftercare/application';
import { CustomersController } from './customers.controller';
import { WarrantyClaimsController } from './warranty-claims.controller';
import { WarrantyPoliciesController } from './warranty-policies.controller';

/** The write API: commands over HTTP, each sent to its aggregate's handler on the CommandBus. */
@Module({
  imports: [WriteApplicationModule],
  controllers: [CustomersController, WarrantyPoliciesController, WarrantyClaimsController],
})
export class WriteApiModule {}
