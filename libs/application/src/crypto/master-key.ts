import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, loadStoreConfig } from '@aftercare/event-store';
import { readOrCreateKeyFile } from './key-file';

/**
 * The master key wraps every customer's data key, webhook secrets and the audit chain key. It
 * never enters the database: it comes from AFTERCARE_MASTER_KEY (32 bytes, hex or base64) or from
 * a 0600 key file beside the embedded database (AFTERCARE_MASTER_KEY_FILE to put it elsewhere),
 * created on first start. Losing it makes every encrypted field unreadable, as erasure does.
 */
export interface MasterKey {
  readonly key: Buffer;
  /** Where it came from, for messages: the variable or the file. */
  readonly source: string;
}

export function loadMasterKey(env: NodeJS.ProcessEnv = process.env): MasterKey {
  const value = env.AFTERCARE_MASTER_KEY?.trim();
  if (value)
    return { key: parseKey(value, 'AFTERCARE_MASTER_KEY'), source: 'AFTERCARE_MASTER_KEY' };
  const file = keyFilePath(env, 'AFTERCARE_MASTER_KEY_FILE', 'master.key');
  const text = readOrCreateKeyFile(file, 'AFTERCARE_MASTER_KEY_FILE', () =>
    randomBytes(32).toString('base64'),
  );
  return { key: parseKey(text, 'AFTERCARE_MASTER_KEY_FILE'), source: file };
}

/** Start-up validation: a malformed AFTERCARE_MASTER_KEY stops the process naming it. */
export function checkMasterKeySetting(env: NodeJS.ProcessEnv = process.env): void {
  const value = env.AFTERCARE_MASTER_KEY?.trim();
  if (value) parseKey(value, 'AFTERCARE_MASTER_KEY');
}

/** `<variable>` if set, else `<name>` beside the embedded database (or in ./data). */
export function keyFilePath(env: NodeJS.ProcessEnv, variable: string, name: string): string {
  const explicit = env[variable]?.trim();
  if (explicit) return resolve(explicit);
  const store = loadStoreConfig(env);
  const dir = store.kind === 'sqlite' ? dirname(resolve(store.sqlitePath)) : resolve('data');
  return join(dir, name);
}

function parseKey(text: string, variable: string): Buffer {
  const key = /^[0-9a-fA-F]{64}$/.test(text)
    ? Buffer.from(text, 'hex')
    : /^[A-Za-z0-9+/_-]{43}=?$/.test(text)
      ? Buffer.from(text, 'base64')
      : undefined;
  if (!key || key.length !== 32) {
    throw new ConfigError(
      variable,
      'must be 32 bytes: 64 hex digits or base64 (openssl rand -base64 32)',
    );
  }
  return key;
}
