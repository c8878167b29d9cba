import { dirname, join } from 'node:path';
import type { StoreConfig } from '@aftercare/event-store';
import type { ApiKeys } from './api-keys';

/** Where the embedded default keeps its first admin key: beside the database file. */
export function bootstrapAdminKeyPath(config: StoreConfig): string | undefined {
  if (config.kind !== 'sqlite' || config.sqlitePath === ':memory:') return undefined;
  return join(dirname(config.sqlitePath), 'admin.key');
}

/**
 * The embedded default's first start: with no active key, an admin key is created, written to
 * `admin.key` beside the database (0600) and printed once, so `npm start` followed by the README's
 * tour works. Other deployments create their first key with `keys create`.
 */
export async function createBootstrapAdminKey(
  keys: ApiKeys,
  config: StoreConfig,
  print: (text: string) => void,
): Promise<string | undefined> {
  const file = bootstrapAdminKeyPath(config);
  if (!file) return undefined;
  const created = await keys.ensureBootstrapAdminKey(file);
  if (!created) return undefined;
  print(
    [
      '',
      'Created the first admin API key (shown once; also saved with mode 0600 to ' + file + '):',
      '',
      `  ${created.key}`,
      '',
      `  export KEY=$(cat ${file})`,
      '',
      '',
    ].join('\n'),
  );
  return file;
}
