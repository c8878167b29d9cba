import { Global, Module } from '@nestjs/common';
import { loadMasterKey, type MasterKey } from './master-key';

/** The master key (AFTERCARE_MASTER_KEY or its key file), loaded once per process. */
export const MASTER_KEY = Symbol('MASTER_KEY');

@Global()
@Module({
  providers: [{ provide: MASTER_KEY, useFactory: (): MasterKey => loadMasterKey() }],
  exports: [MASTER_KEY],
})
export class CryptoModule {}
