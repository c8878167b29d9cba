import { createCipheriv, createDecipheriv, hkdfSync, randomFillSync } from 'node:crypto';

/**
 * AES-256-GCM with a fresh 96-bit nonce per message: `nonce | tag | ciphertext`. The associated
 * data binds a box to its owner (a customer id, a subscription id), so a box copied onto another
 * record does not open.
 */
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

/**
 * Random bytes drawn from the CSPRNG a few kilobytes at a time and handed out once each: a call
 * into it per message cost a sealed write more than the cipher's own setup (as Node does for
 * randomUUID).
 */
class RandomPool {
  private readonly pool = Buffer.alloc(4096);
  private offset = this.pool.length;

  /** `size` fresh random bytes, in a buffer of their own. */
  take(size: number): Buffer {
    if (this.offset + size > this.pool.length) {
      randomFillSync(this.pool);
      this.offset = 0;
    }
    const bytes = Buffer.from(this.pool.subarray(this.offset, this.offset + size));
    this.offset += size;
    return bytes;
  }
}

const nonces = new RandomPool();

export function sealBox(key: Buffer, plaintext: Buffer, aad: string): Buffer {
  const nonce = nonces.take(NONCE_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(Buffer.from(aad, 'utf8'));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([nonce, cipher.getAuthTag(), body]);
}

/** Throws when the box was altered, or sealed under another key or for another owner. */
export function openBox(key: Buffer, box: Buffer, aad: string): Buffer {
  if (box.length < NONCE_BYTES + TAG_BYTES) throw new Error('Sealed value is truncated');
  const decipher = createDecipheriv('aes-256-gcm', key, box.subarray(0, NONCE_BYTES));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(box.subarray(NONCE_BYTES, NONCE_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(box.subarray(NONCE_BYTES + TAG_BYTES)), decipher.final()]);
}

/** What a key derived from the master key is for; each purpose gets an unrelated key. */
export type KeyPurpose = 'pii-data-key-wrap' | 'webhook-secrets' | 'audit-chain';

/** HKDF-SHA256: one master key, independent keys per purpose. */
export function deriveKey(master: Buffer, purpose: KeyPurpose): Buffer {
  return Buffer.from(hkdfSync('sha256', master, 'aftercare', purpose, 32));
}
