import { Global, Module } from '@nestjs/common';
import { AFTERCARE_CONFIG, type AftercareConfig } from '../config/aftercare-config';
import { type AuditKeys, loadAuditKeys } from './audit-keys';
import { loadMasterKey, type MasterKey } from './master-key';

/** The master key (AFTERCARE_MASTER_KEY or its key file), loaded once per process. */
export const MASTER_KEY = Symbol('MASTER_KEY');
/** The warranty chain's HMAC key and the checkpoint signing key (see audit-keys.ts). */
export const AUDIT_KEYS = Symbol('AUDIT_KEYS');

@Global()
@Module({
  providers: [
    {
      provide: MASTER_KEY,
      inject: [AFTERCARE_CONFIG],
      useFactory: (config: AftercareConfig): MasterKey => loadMasterKey(config.keys),
    },
    {
      provide: AUDIT_KEYS,
      inject: [AFTERCARE_CONFIG],
      useFactory: (config: AftercareConfig): AuditKeys => loadAuditKeys(config.keys),
    },
  ],
  exports: [MASTER_KEY, AUDIT_KEYS],
})
export class CryptoModule {}
