import { randomBytes } from 'node:crypto';
import type { RecordedEvent } from '@aftercare/event-store';
import { openBox, sealBox } from '../crypto/secret-box';
import { canReadPii, type Principal } from '../identity/principal';
import type { DataKeyStore } from './data-key.store';
import { hiddenPathsOf, mapPathsNow, mapPiiPaths, piiPathsOf } from './pii-fields';

/** What erased personal data reads as, everywhere. */
export const ERASED = Object.freeze({ erased: true as const });
/** What personal data reads as for an identity not allowed to read it. */
export const REDACTED = Object.freeze({ redacted: true as const });

/**
 * A sealed field: `pii:v1:<customer id, base64url>:<nonce|tag|ciphertext, base64url>`. It names
 * its customer so any copy (an event, a read model row, a view) can be opened, or found erased,
 * without knowing where it came from.
 */
const TOKEN_PREFIX = 'pii:v1:';
const TOKEN = /pii:v1:[A-Za-z0-9_-]+:[A-Za-z0-9_-]+/g;
const WHOLE_TOKEN = /^pii:v1:([A-Za-z0-9_-]+):([A-Za-z0-9_-]+)$/;

type CachedKey = { key: Buffer | 'erased' | 'none'; until: number };
/** A token opened before: whose it is and its plaintext (JSON), kept while its key is. */
type Opened = { customerId: string; json: string };

/** Most data keys, and most opened tokens, remembered at once (all forgotten when full). */
const CACHE_LIMIT = 10_000;

export interface PiiVaultOptions {
  /**
   * How long a data key (or its absence) is remembered in memory. Erasure through this vault
   * forgets at once; another process sees it within this time.
   */
  cacheMs?: number;
  clock?: () => Date;
}

/**
 * Crypto-shredding: each customer's personal data is sealed with AES-256-GCM under a data key of
 * its own, wrapped by the master key and kept in the key table, never in an event. Erasure
 * deletes the key, and every copy of the data becomes `{"erased": true}`.
 */
export class PiiVault {
  private readonly cache = new Map<string, CachedKey>();
  /**
   * Tokens opened lately, so the same names on every page of a list are not decrypted again: a
   * plaintext is used only while its customer's key is remembered and not erased (the key is
   * checked first, every time), and it is forgotten with the key at erasure.
   */
  private readonly opened = new Map<string, Opened>();
  /** Key reads under way, by customer. */
  private readonly reading = new Map<string, Promise<Buffer | 'erased' | 'none'>>();
  private readonly cacheMs: number;
  private readonly clock: () => Date;

  constructor(
    private readonly keys: DataKeyStore,
    /** Derived from the master key for wrapping data keys only. */
    private readonly wrapKey: Buffer,
    options: PiiVaultOptions = {},
  ) {
    this.cacheMs = options.cacheMs ?? 2000;
    this.clock = options.clock ?? (() => new Date());
  }

  /**
   * The write path: the events with their personal data sealed under their customer's key (made
   * on first use). Data for an erased customer is not kept at all.
   */
  async sealEvents<E extends { type: string; data: unknown }>(events: readonly E[]): Promise<E[]> {
    const sealed: E[] = [];
    for (const event of events) {
      const data = await this.sealData(event.type, event.data);
      sealed.push(data === event.data ? event : { ...event, data });
    }
    return sealed;
  }

  /** `data` shaped like an event of `type` (or a command carrying the same fields), sealed. */
  async sealData<D>(type: string, data: D): Promise<D> {
    const customerId = customerOf(data);
    if (!customerId || piiPathsOf(type).length === 0) return data;
    return (await mapPiiPaths(type, data, async (value) => {
      if (isToken(value) || isMarker(value)) return value;
      const key = await this.writeKey(customerId);
      if (key === 'erased') return ERASED;
      const box = sealBox(key, Buffer.from(JSON.stringify(value), 'utf8'), customerId);
      return `${TOKEN_PREFIX}${b64(customerId)}:${box.toString('base64url')}`;
    })) as D;
  }

  /**
   * An event as `reader` may see it: personal data opened for those allowed to read it,
   * `{"redacted": true}` for others, `{"erased": true}` once erased. Plaintext in events stored
   * before sealing existed (legacy) follows the same rules, by the customer's tombstone.
   */
  async revealEvent(event: RecordedEvent, reader: Principal): Promise<RecordedEvent> {
    const data = await this.revealDataNow(event.type, event.data, canReadPii(reader));
    return data === event.data ? event : { ...event, data };
  }

  /**
   * Any JSON value (a customer view, a timeline page, an audit record) with every sealed field
   * it holds opened, redacted or marked erased. Event-shaped objects (`type` and `data`) follow
   * the event rules, legacy plaintext included; tokens inside longer text (a timeline summary)
   * are replaced in place.
   */
  async revealValue<T>(value: T, reader: Principal): Promise<T> {
    return await this.revealNow(value, reader);
  }

  /**
   * `revealValue`, answered at once (no promise) when nothing in the value had to wait for a key:
   * every answer of the API passes here, most of them holding no sealed field at all.
   */
  revealNow<T>(value: T, reader: Principal): T | Promise<T> {
    return this.walk(value, canReadPii(reader)) as T | Promise<T>;
  }

  /** Deletes the customer's data key; from now on their sealed data reads as erased. */
  async erase(customerId: string): Promise<void> {
    await this.keys.erase(customerId, this.clock().toISOString());
    this.remember(customerId, 'erased', Date.now());
  }

  async isErased(customerId: string): Promise<boolean> {
    return (await this.readKey(customerId)) === 'erased';
  }

  /**
   * An event's data as `reader` may see it; at once (no promise) when every key it needs is in
   * memory: a page of events (a timeline) would otherwise cost a chain of promises per event.
   */
  private revealDataNow(type: string, data: unknown, allowed: boolean): unknown {
    const hidden = hiddenPathsOf(type);
    if (hidden.length) return mapPathsNow(hidden, data, () => REDACTED);
    const paths = piiPathsOf(type);
    if (paths.length === 0) return data;
    const customerId = customerOf(data);
    const plain = (value: unknown, key: Buffer | 'erased' | 'none' | undefined) =>
      key === 'erased' ? ERASED : allowed ? value : REDACTED;
    return mapPathsNow(paths, data, (value) => {
      if (isToken(value)) return this.openToken(value, allowed);
      if (isMarker(value)) return value;
      // Legacy plaintext: shown by the customer's tombstone and the reader's right.
      if (!customerId) return plain(value, undefined);
      const key = this.cachedKey(customerId);
      if (key !== undefined) return plain(value, key);
      return this.readKey(customerId).then((read) => plain(value, read));
    });
  }

  /**
   * The value with its sealed data opened or redacted. Synchronous where a subtree holds nothing
   * to open (most of an answer: numbers, dates, plain strings), a promise only where a key has to
   * be read, so a large answer does not cost a promise per field.
   */
  private walk(value: unknown, allowed: boolean): unknown {
    if (typeof value === 'string') {
      // Most strings of an answer hold no token: one substring search decides, no pattern.
      if (!value.includes(TOKEN_PREFIX)) return value;
      if (WHOLE_TOKEN.test(value)) return this.openToken(value, allowed);
      return this.openEmbedded(value, allowed);
    }
    if (Array.isArray(value)) {
      const items = this.walkedValues(value, allowed);
      if (items === undefined) return value;
      return items.some(isPromise) ? Promise.all(items) : items;
    }
    if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
      const record = value as Record<string, unknown>;
      if (typeof record.type === 'string' && record.data && typeof record.data === 'object') {
        const data = this.revealDataNow(record.type, record.data, allowed);
        const withData = (revealed: unknown) =>
          this.walkEntries(
            revealed === record.data ? record : { ...record, data: revealed },
            allowed,
          );
        return isPromise(data) ? data.then(withData) : withData(data);
      }
      return this.walkEntries(record, allowed);
    }
    return value;
  }

  private walkEntries(record: Record<string, unknown>, allowed: boolean): unknown {
    const keys = Object.keys(record);
    // Contact details in a read model written before sealing existed are still plain text.
    const contact = allowed ? -1 : keys.indexOf('contact');
    const walked = this.walkedValues(keys, allowed, record);
    // Nothing opened below and nothing to redact here (most of an answer): no copy.
    if (walked === undefined && (contact < 0 || !hasPlainText(record.contact))) return record;
    const values = walked ?? keys.map((key) => record[key]);
    const build = (settled: unknown[]): Record<string, unknown> => {
      const out: Record<string, unknown> = {};
      for (let i = 0; i < keys.length; i++) {
        out[keys[i]!] = i === contact && hasPlainText(settled[i]) ? REDACTED : settled[i];
      }
      return out;
    };
    return values.some(isPromise) ? Promise.all(values).then(build) : build(values);
  }

  /**
   * The walked values of an array's items (or of `record`'s fields named by `keys`), or undefined
   * when every one came back unchanged: most of an answer, walked without allocating anything.
   */
  private walkedValues(
    items: readonly unknown[],
    allowed: boolean,
    record?: Record<string, unknown>,
  ): unknown[] | undefined {
    let walked: unknown[] | undefined;
    for (let i = 0; i < items.length; i++) {
      const value = record ? record[items[i] as string] : items[i];
      const result = this.walk(value, allowed);
      if (walked === undefined && result !== value) {
        walked = new Array<unknown>(items.length);
        for (let j = 0; j < i; j++) walked[j] = record ? record[items[j] as string] : items[j];
      }
      if (walked !== undefined) walked[i] = result;
    }
    return walked;
  }

  /** A string with tokens inside it (a comment quoting an e-mail address): each one opened. */
  private async openEmbedded(value: string, allowed: boolean): Promise<string> {
    let text = value;
    for (const token of value.match(TOKEN) ?? []) {
      const opened = await this.openToken(token, allowed);
      text = text.replace(token, piiText(opened));
    }
    return text;
  }

  /**
   * A token opened, redacted or found erased: at once when its customer's key is in memory (most
   * tokens of an answer), else once the key is read.
   */
  private openToken(token: string, allowed: boolean): unknown {
    const seen = this.opened.get(token);
    const customerId = seen?.customerId ?? customerOfToken(token);
    const key = this.cachedKey(customerId);
    if (key === undefined) {
      return this.readKey(customerId).then((read) => this.open(token, customerId, read, allowed));
    }
    if (seen && key !== 'erased' && key !== 'none')
      return allowed ? JSON.parse(seen.json) : REDACTED;
    return this.open(token, customerId, key, allowed);
  }

  private open(
    token: string,
    customerId: string,
    key: Buffer | 'erased' | 'none',
    allowed: boolean,
  ): unknown {
    if (key === 'erased' || key === 'none') return ERASED;
    if (!allowed) return REDACTED;
    let json: string;
    try {
      const payload = token.slice(token.lastIndexOf(':') + 1);
      json = openBox(key, Buffer.from(payload, 'base64url'), customerId).toString('utf8');
    } catch {
      // Altered ciphertext: say so rather than fail the whole feed.
      return { unreadable: true };
    }
    const value: unknown = JSON.parse(json);
    if (this.opened.size >= CACHE_LIMIT) this.opened.clear();
    this.opened.set(token, { customerId, json });
    return value;
  }

  /** The customer's key (or its absence) while it is remembered; undefined when it must be read. */
  private cachedKey(customerId: string): Buffer | 'erased' | 'none' | undefined {
    const cached = this.cache.get(customerId);
    return cached && cached.until > Date.now() ? cached.key : undefined;
  }

  private async readKey(customerId: string): Promise<Buffer | 'erased' | 'none'> {
    const cached = this.cachedKey(customerId);
    if (cached !== undefined) return cached;
    // The fields of one answer (a name and an e-mail) ask for the same key at once: one read.
    let reading = this.reading.get(customerId);
    if (!reading) {
      reading = this.fetchKey(customerId).finally(() => this.reading.delete(customerId));
      this.reading.set(customerId, reading);
    }
    return reading;
  }

  private async fetchKey(customerId: string): Promise<Buffer | 'erased' | 'none'> {
    const record = await this.keys.get(customerId);
    const key = !record
      ? 'none'
      : record.kind === 'erased'
        ? 'erased'
        : this.unwrap(customerId, record.wrapped);
    this.remember(customerId, key, Date.now());
    return this.cachedKey(customerId) ?? key;
  }

  private async writeKey(customerId: string): Promise<Buffer | 'erased'> {
    const known = await this.readKey(customerId);
    if (known !== 'none') return known;
    const fresh = randomBytes(32);
    const record = await this.keys.insertIfAbsent(
      customerId,
      sealBox(this.wrapKey, fresh, customerId),
      this.clock().toISOString(),
    );
    const key = record.kind === 'erased' ? 'erased' : this.unwrap(customerId, record.wrapped);
    this.remember(customerId, key, Date.now());
    return key;
  }

  private unwrap(customerId: string, wrapped: Buffer): Buffer {
    return openBox(this.wrapKey, wrapped, customerId);
  }

  private remember(customerId: string, key: Buffer | 'erased' | 'none', now: number): void {
    // Erasure is for good: a key read that began before it does not bring the key back.
    if (this.cache.get(customerId)?.key === 'erased') return;
    if (this.cache.size > CACHE_LIMIT) this.cache.clear();
    if (key === 'erased') {
      for (const [token, seen] of this.opened) {
        if (seen.customerId === customerId) this.opened.delete(token);
      }
    }
    this.cache.set(customerId, {
      key,
      until: key === 'erased' ? Number.POSITIVE_INFINITY : now + this.cacheMs,
    });
  }
}

/** The customer a well-formed token names (`pii:v1:<customer id>:...`). */
function customerOfToken(token: string): string {
  const kid = token.slice(TOKEN_PREFIX.length, token.indexOf(':', TOKEN_PREFIX.length));
  return Buffer.from(kid, 'base64url').toString('utf8');
}

export function isToken(value: unknown): value is string {
  return typeof value === 'string' && WHOLE_TOKEN.test(value);
}

function isMarker(value: unknown): value is typeof ERASED | typeof REDACTED {
  return (
    value !== null &&
    typeof value === 'object' &&
    ((value as { erased?: unknown }).erased === true ||
      (value as { redacted?: unknown }).redacted === true)
  );
}

function hasPlainText(value: unknown): boolean {
  return (
    value !== null &&
    typeof value === 'object' &&
    Object.values(value).some((item) => typeof item === 'string')
  );
}

/**
 * A personal-data field as text for people to read: the text itself, `[erased]` or `[redacted]`
 * where the vault put a marker (a field typed as text may hold one), else its JSON.
 */
export function piiText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (isMarker(value)) return 'erased' in value ? '[erased]' : '[redacted]';
  return JSON.stringify(value);
}

function customerOf(data: unknown): string | undefined {
  const id = (data as { customerId?: unknown } | null)?.customerId;
  return typeof id === 'string' ? id : undefined;
}

function b64(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function isPromise(value: unknown): value is Promise<unknown> {
  return value instanceof Promise;
}
