import { loadStoreConfig, type StoreConfig } from '@aftercare/event-store';
import { loadMasterKey } from '../crypto/master-key';
import { deriveKey } from '../crypto/secret-box';
import { openDataKeyStore } from './data-key.store';
import { PiiVault } from './pii-vault';

/** The vault outside Nest (the CLI): runs `work` and closes the key table. */
export async function withPiiVault<T>(
  work: (vault: PiiVault) => Promise<T>,
  config: StoreConfig = loadStoreConfig(),
  env: NodeJS.ProcessEnv = process.env,
): Promise<T> {
  const wrapKey = deriveKey(loadMasterKey(env).key, 'pii-data-key-wrap');
  const keys = openDataKeyStore(config);
  try {
    return await work(new PiiVault(keys, wrapKey));
  } finally {
    await keys.close();
  }
}
