import { Global, Module } from '@nestjs/common';
import type { EventStore } from '@aftercare/event-store';
import { EVENT_STORE } from '../store/event-store.module';
import { WarrantyAudit } from './warranty-audit';

@Global()
@Module({
  providers: [
    {
      provide: WarrantyAudit,
      inject: [EVENT_STORE],
      useFactory: (store: EventStore) => new WarrantyAudit(store),
    },
  ],
  exports: [WarrantyAudit],
})
export class WarrantyAuditModule {}
