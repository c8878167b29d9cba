import { Global, Module } from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import type { AuditKeys } from '../crypto/audit-keys';
import { AUDIT_KEYS, CryptoModule } from '../crypto/crypto.module';
import { EVENT_STORE } from '../store/event-store.module';
import { AuditCheckpointScheduler } from './audit-checkpoint.scheduler';
import { WarrantyAudit } from './warranty-audit';

@Global()
@Module({
  imports: [CryptoModule],
  providers: [
    {
      provide: WarrantyAudit,
      inject: [EVENT_STORE, AUDIT_KEYS],
      useFactory: (store: EventStore, keys: AuditKeys) => new WarrantyAudit(store, keys),
    },
    AuditCheckpointScheduler,
  ],
  exports: [WarrantyAudit],
})
export class WarrantyAuditModule {}
