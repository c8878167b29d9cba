import { randomBytes } from 'node:crypto';
import { dirname, join, resolve } from 'node:path';
import { ConfigError, type StoreConfig } from '@aftercare/event-store';
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

/**
 * Where the keys come from (part of the typed configuration): the variables' values, else files
 * beside the embedded database (or in ./data), created on first use.
 */
export interface KeySettings {
  /** AFTERCARE_MASTER_KEY (checked when the configuration is loaded). */
  masterKey: string | undefined;
  /** AFTERCARE_MASTER_KEY_FILE, default `master.key` beside the database. */
  masterKeyFile: string;
  /** AFTERCARE_AUDIT_SIGNING_KEY (PKCS#8 PEM). */
  auditSigningKey: string | undefined;
  /** AFTERCARE_AUDIT_SIGNING_KEY_FILE, default `audit-signing.key` beside the database. */
  auditSigningKeyFile: string;
}

export function loadKeySettings(env: NodeJS.ProcessEnv, store: StoreConfig): KeySettings {
  const masterKey = env.AFTERCARE_MASTER_KEY?.trim() || undefined;
  // A malformed key stops the process at start, naming the variable.
  if (masterKey) parseKey(masterKey, 'AFTERCARE_MASTER_KEY');
  return {
    masterKey,
    masterKeyFile: keyFilePath(env, store, 'AFTERCARE_MASTER_KEY_FILE', 'master.key'),
    auditSigningKey: env.AFTERCARE_AUDIT_SIGNING_KEY?.trim() || undefined,
    auditSigningKeyFile: keyFilePath(
      env,
      store,
      'AFTERCARE_AUDIT_SIGNING_KEY_FILE',
      'audit-signing.key',
    ),
  };
}

export function loadMasterKey(keys: KeySettings): MasterKey {
  if (keys.masterKey) {
    return {
      key: parseKey(keys.masterKey, 'AFTERCARE_MASTER_KEY'),
      source: 'AFTERCARE_MASTER_KEY',
    };
  }
  const text = readOrCreateKeyFile(keys.masterKeyFile, 'AFTERCARE_MASTER_KEY_FILE', () =>
    randomBytes(32).toString('base64'),
  );
  return { key: parseKey(text, 'AFTERCARE_MASTER_KEY_FILE'), source: keys.masterKeyFile };
}

/** `<variable>` if set, else `<name>` beside the embedded database (or in ./data). */
function keyFilePath(
  env: NodeJS.ProcessEnv,
  store: StoreConfig,
  variable: string,
  name: string,
): string {
  const explicit = env[variable]?.trim();
  if (explicit) return resolve(explicit);
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
