import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import { ROLES, type Role } from './principal';

/**
 * An API key is `ak_<id>_<secret>`: the id is public (listed, revoked by), the secret is 256
 * random bits shown once. Only a salted scrypt hash of the secret is stored.
 */
export const API_KEY_PATTERN = /^ak_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

/** A stored key: everything but the secret. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  role: Role;
  scopes: string[];
  /** `scrypt$N$r$p$<salt b64>$<hash b64>`: the parameters travel with the hash. */
  secretHash: string;
  createdAt: string;
  createdBy: string;
  revokedAt: string | null;
  revokedBy: string | null;
}

export interface ParsedApiKey {
  id: string;
  secret: string;
}

export function parseApiKey(key: string): ParsedApiKey | undefined {
  const match = API_KEY_PATTERN.exec(key);
  return match ? { id: match[1], secret: match[2] } : undefined;
}

export function generateApiKey(): ParsedApiKey & { key: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, key: `ak_${id}_${secret}` };
}

const SCRYPT = { N: 16384, r: 8, p: 1, keyLength: 32 } as const;

function scryptAsync(secret: string, salt: Buffer, length: number, options: ScryptOptions) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(secret, salt, length, options, (error, derived) =>
      error ? reject(error) : resolve(derived),
    ),
  );
}

export async function hashSecret(secret: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(secret, salt, SCRYPT.keyLength, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64'), hash.toString('base64')]
    .map(String)
    .join('$');
}

export async function verifySecret(secret: string, stored: string): Promise<boolean> {
  const [algorithm, n, r, p, salt, hash] = stored.split('$');
  if (algorithm !== 'scrypt' || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scryptAsync(secret, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return timingSafeEqual(actual, expected);
}

export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}
