import { Global, Module } from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import type { AuditKeys } from '../crypto/audit-keys';
import { AUDIT_KEYS, CryptoModule } from '../crypto/crypto.module';
import { EVENT_STORE } from '../store/event-store.module';
import { WarrantyAudit } from './warranty-audit';
import { WarrantyPolicyCatalogue } from '../warranty-policy/warranty-policy.catalogue';

/**
 * The warranty audit services. The checkpoint scheduler (`AuditCheckpointScheduler`) is the API's
 * to provide, beside the projection runtime it runs on; the CLI signs on demand.
 */
@Global()
@Module({
  imports: [CryptoModule],
  providers: [
    {
      provide: WarrantyAudit,
      inject: [EVENT_STORE, AUDIT_KEYS],
      useFactory: (store: EventStore, keys: AuditKeys) => new WarrantyAudit(store, keys),
    },
    {
      provide: WarrantyPolicyCatalogue,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new WarrantyPolicyCatalogue(store),
    },
  ],
  exports: [WarrantyAudit, WarrantyPolicyCatalogue],
})
export class WarrantyAuditModule {}
