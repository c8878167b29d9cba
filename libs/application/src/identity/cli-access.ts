import type { EventStore, StoreConfig } from '@aftercare/event-store';
import { AccessLog } from './access-log';
import { cliPrincipal } from './cli-principal';
import { openIdentityStores } from './identity.module';

/**
 * Records a CLI read of personal data (an export, a customer's view) in the access log, as the
 * OS user (or `actor`), before the data is read.
 */
export async function recordCliRead(
  store: EventStore,
  config: StoreConfig,
  read: { action: string; subject?: string; detail?: string },
  actor?: string,
): Promise<void> {
  const stores = await openIdentityStores(config, store);
  try {
    await new AccessLog(stores.accessLog).record(cliPrincipal(actor), {
      action: read.action,
      subject: read.subject ?? null,
      detail: read.detail ?? null,
      onBehalfOf: null,
      via: 'cli',
    });
  } finally {
    await stores.close();
  }
}
