import { createHash, timingSafeEqual } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  generateApiKey,
  hashSecret,
  isRole,
  parseApiKey,
  verifySecret,
  type ApiKeyRecord,
} from './api-key';
import type { ApiKeyStore } from './api-key.store';
import { PII_READ_SCOPE, ROLES, type Principal } from './principal';

/** Scopes a key may carry. */
export const KEY_SCOPES = [PII_READ_SCOPE] as const;

/** A request to create a key that cannot be honoured (unknown role or scope, bad name). */
export class InvalidApiKeyRequest extends Error {
  readonly code = 'invalid_api_key_request';
}

export interface CreateApiKey {
  role: string;
  name: string;
  scopes?: readonly string[];
  /** The principal id of whoever creates it. */
  createdBy: string;
}

export interface CreatedApiKey {
  /** The whole key, `ak_<id>_<secret>`: shown once, never stored. */
  key: string;
  record: ApiKeyRecord;
}

/** The identity a key authenticates as. */
export function principalOfKey(record: ApiKeyRecord): Principal {
  return {
    id: `key:${record.id}`,
    name: record.name,
    kind: 'api_key',
    roles: [record.role],
    scopes: record.scopes,
  };
}

/** Bounded so a flood of distinct keys cannot grow memory without limit. */
const VERIFIED_CACHE_SIZE = 10_000;

/**
 * How long a verified key's record is used without asking the store again: how late a revocation
 * by another process (the CLI) takes effect here at most. The same bound as a data key's erasure
 * (`PiiVault`).
 */
export const KEY_RECHECK_MS = 2000;

interface VerifiedKey {
  /** sha256 of the secret that passed the scrypt check. */
  digest: Buffer;
  record: ApiKeyRecord;
  /** When the record is looked up again (clock ms). */
  recheckAt: number;
}

/**
 * Creates, lists, revokes and checks API keys. The scrypt comparison, the costly part, runs once
 * per key and process; after it a sha256 of the verified secret is compared in constant time, and
 * the key's record is looked up again at most every `KEY_RECHECK_MS`: a revocation through this
 * instance takes effect at once, one by another process within that time. The most recently
 * checked keys are kept, up to `cacheSize`.
 */
export class ApiKeys {
  private readonly verified = new Map<string, VerifiedKey>();

  constructor(
    private readonly store: ApiKeyStore,
    private readonly clock: () => Date = () => new Date(),
    /** Verified keys kept at most (the least recently checked is forgotten first). */
    private readonly cacheSize = VERIFIED_CACHE_SIZE,
  ) {}

  async create(request: CreateApiKey): Promise<CreatedApiKey> {
    if (!isRole(request.role)) {
      throw new InvalidApiKeyRequest(
        `'${request.role}' is not a role; use one of ${ROLES.join(', ')}`,
      );
    }
    const name = request.name.trim();
    if (!/^[\x20-\x7e]{1,100}$/.test(name)) {
      throw new InvalidApiKeyRequest('the name must be 1 to 100 printable ASCII characters');
    }
    const scopes = [...new Set(request.scopes ?? [])];
    const unknown = scopes.filter((s) => !(KEY_SCOPES as readonly string[]).includes(s));
    if (unknown.length > 0) {
      throw new InvalidApiKeyRequest(
        `unknown scope ${unknown.join(', ')}; scopes are ${KEY_SCOPES.join(', ')}`,
      );
    }
    const generated = generateApiKey();
    const record: ApiKeyRecord = {
      id: generated.id,
      name,
      role: request.role,
      scopes,
      secretHash: await hashSecret(generated.secret),
      createdAt: this.clock().toISOString(),
      createdBy: request.createdBy,
      revokedAt: null,
      revokedBy: null,
    };
    await this.store.insert(record);
    return { key: generated.key, record };
  }

  /** The principal a presented key stands for, or undefined (unknown, revoked, wrong secret). */
  async authenticate(key: string): Promise<Principal | undefined> {
    const parsed = parseApiKey(key);
    if (!parsed) return undefined;
    const digest = createHash('sha256').update(parsed.secret).digest();
    const now = this.clock().getTime();
    let known = this.verified.get(parsed.id);
    if (!known || known.recheckAt <= now) {
      const record = await this.store.find(parsed.id);
      if (!record || record.revokedAt !== null) {
        this.verified.delete(parsed.id);
        return undefined;
      }
      if (known?.record.secretHash !== record.secretHash) {
        if (!(await verifySecret(parsed.secret, record.secretHash))) return undefined;
        known = { digest, record, recheckAt: 0 };
      }
      known = { ...known, record, recheckAt: now + KEY_RECHECK_MS };
      this.verified.delete(parsed.id);
      if (this.verified.size >= this.cacheSize) {
        this.verified.delete(this.verified.keys().next().value as string);
      }
      this.verified.set(parsed.id, known);
    }
    return timingSafeEqual(known.digest, digest) ? principalOfKey(known.record) : undefined;
  }

  list(): Promise<ApiKeyRecord[]> {
    return this.store.list();
  }

  /** False when no active key has this id. */
  async revoke(id: string, by: string): Promise<boolean> {
    this.verified.delete(id);
    return this.store.revoke(id, this.clock().toISOString(), by);
  }

  /**
   * The embedded default's first start: with no active key at all, creates an admin key and
   * writes it to `file` (mode 0600), so whoever can read the data directory can call the API.
   * Returns the key when one was created.
   */
  async ensureBootstrapAdminKey(file: string): Promise<CreatedApiKey | undefined> {
    if ((await this.store.countActive()) > 0) return undefined;
    const created = await this.create({
      role: 'admin',
      name: 'bootstrap admin',
      createdBy: 'system',
    });
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, `${created.key}\n`, { mode: 0o600 });
    // The mode given to writeFileSync applies only to a new file; an older one is tightened too.
    chmodSync(file, 0o600);
    return created;
  }
}
