import { Global, Inject, Injectable, Module, type OnApplicationShutdown } from '@nestjs/common';
import type { StoreConfig } from '@aftercare/event-store';
import { loadAftercareConfig } from '../config/load-config';
import { CryptoModule, MASTER_KEY } from '../crypto/crypto.module';
import type { MasterKey } from '../crypto/master-key';
import { deriveKey } from '../crypto/secret-box';
import { STORE_CONFIG } from '../store/event-store.module';
import { openDataKeyStore, type DataKeyStore } from './data-key.store';
import { PiiVault } from './pii-vault';
import { PII_VAULT_TOKEN } from './pii.tokens';

export const PII_VAULT = PII_VAULT_TOKEN;
const DATA_KEY_STORE = Symbol('DATA_KEY_STORE');

@Injectable()
class DataKeyStoreCloser implements OnApplicationShutdown {
  constructor(@Inject(DATA_KEY_STORE) private readonly keys: DataKeyStore) {}

  async onApplicationShutdown(): Promise<void> {
    await this.keys.close();
  }
}

/**
 * The vault that seals personal data on the write path and opens it for readers allowed to see
 * it. Its key table sits beside the configured store (the SQLite file, else PostgreSQL). The API
 * passes every JSON answer through it (apps/api: `revealAnswers`).
 */
@Global()
@Module({
  imports: [CryptoModule],
  providers: [
    {
      provide: DATA_KEY_STORE,
      inject: [{ token: STORE_CONFIG, optional: true }],
      useFactory: (config?: StoreConfig): DataKeyStore =>
        openDataKeyStore(config ?? loadAftercareConfig().store),
    },
    {
      provide: PII_VAULT,
      inject: [DATA_KEY_STORE, MASTER_KEY],
      useFactory: (keys: DataKeyStore, master: MasterKey): PiiVault =>
        new PiiVault(keys, deriveKey(master.key, 'pii-data-key-wrap')),
    },
    DataKeyStoreCloser,
  ],
  exports: [PII_VAULT],
})
export class PiiModule {}
