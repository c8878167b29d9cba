import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from 'node:crypto';
import { ConfigError } from '@aftercare/event-store';
import { readOrCreateKeyFile } from './key-file';
import { type KeySettings, loadMasterKey } from './master-key';
import { deriveKey } from './secret-box';

/**
 * The audit trail's two keys, both outside the database: the HMAC key of the warranty chains
 * (derived from the master key) and the Ed25519 key that signs checkpoints and bundles
 * (AFTERCARE_AUDIT_SIGNING_KEY as PKCS#8 PEM, or a 0600 file `audit-signing.key` beside the
 * database, created on first use; AFTERCARE_AUDIT_SIGNING_KEY_FILE to put it elsewhere).
 */
export interface AuditKeys {
  chainKey: Buffer;
  signingKey: KeyObject;
  publicKey: KeyObject;
}

export function loadAuditKeys(keys: KeySettings): AuditKeys {
  const chainKey = deriveKey(loadMasterKey(keys).key, 'audit-chain');
  const inline = keys.auditSigningKey;
  const pem =
    inline ||
    readOrCreateKeyFile(
      keys.auditSigningKeyFile,
      'AFTERCARE_AUDIT_SIGNING_KEY_FILE',
      () =>
        generateKeyPairSync('ed25519').privateKey.export({
          type: 'pkcs8',
          format: 'pem',
        }) as string,
    );
  let signingKey: KeyObject;
  try {
    signingKey = createPrivateKey(pem);
  } catch {
    throw new ConfigError(
      inline ? 'AFTERCARE_AUDIT_SIGNING_KEY' : 'AFTERCARE_AUDIT_SIGNING_KEY_FILE',
      'is not an Ed25519 private key in PKCS#8 PEM',
    );
  }
  if (signingKey.asymmetricKeyType !== 'ed25519') {
    throw new ConfigError('AFTERCARE_AUDIT_SIGNING_KEY', 'must be an Ed25519 key');
  }
  return { chainKey, signingKey, publicKey: createPublicKey(signingKey) };
}

export function publicKeyPem(key: KeyObject): string {
  return key.export({ type: 'spki', format: 'pem' }) as string;
}

/** A short, stable name for a public key: the first 16 hex digits of its SPKI's SHA-256. */
export function publicKeyId(key: KeyObject): string {
  return createHash('sha256')
    .update(key.export({ type: 'spki', format: 'der' }))
    .digest('hex')
    .slice(0, 16);
}

/** Ed25519 over the exact text; base64. */
export function signText(key: KeyObject, text: string): string {
  return sign(null, Buffer.from(text, 'utf8'), key).toString('base64');
}

export function verifyText(key: KeyObject, text: string, signature: string): boolean {
  try {
    return verify(null, Buffer.from(text, 'utf8'), key, Buffer.from(signature, 'base64'));
  } catch {
    return false;
  }
}
