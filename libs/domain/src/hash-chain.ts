import { createHmac } from 'node:crypto';
import { canonicalJson, sha256Hex } from './canonical-json';

/**
 * Hash chain over a warranty claim stream: each event's metadata holds `prevHash` (the previous
 * event's hash, GENESIS_HASH for revision 0), `hash` over canonicalJson({type, data, prevHash})
 * and `chainAlg`, the algorithm that made it:
 *
 * - `hmac-sha256` (current): keyed with a secret kept outside the database, so someone who can
 *   write to the database cannot recompute the chain after an edit;
 * - `sha256` (absent `chainAlg`: streams recorded before keyed chains): anyone can recompute it;
 *   signed checkpoints are what protect those streams.
 *
 * The key comes in as an argument: this module stays pure. Hashes cover the data as stored
 * (verify before upcasting).
 */
export const GENESIS_HASH = '0'.repeat(64);

export type ChainAlgorithm = 'sha256' | 'hmac-sha256';

export type ChainLinks = { prevHash: string; hash: string; chainAlg?: ChainAlgorithm };

export type ChainableEvent = { type: string; data: unknown };

export type ChainedEvent<E extends ChainableEvent> = E & {
  metadata: (E extends { metadata: infer M } ? M : unknown) & ChainLinks;
};

/** sha256 without a key, HMAC-SHA256 with one. */
export function hashEvent(event: ChainableEvent, prevHash: string, key?: Uint8Array): string {
  const text = canonicalJson({ type: event.type, data: event.data, prevHash });
  return key ? createHmac('sha256', key).update(text).digest('hex') : sha256Hex(text);
}

/**
 * Links `events` after the event whose hash is `prevHash` (GENESIS_HASH for a new stream), keyed
 * when `key` is given. Any metadata already on an event is kept.
 */
export function chainEvents<E extends ChainableEvent & { metadata?: object }>(
  prevHash: string,
  events: readonly E[],
  key?: Uint8Array,
): ChainedEvent<E>[] {
  const chained: ChainedEvent<E>[] = [];
  let previous = prevHash;
  for (const event of events) {
    const hash = hashEvent(event, previous, key);
    // Assigned, not spread: a literal starting with a spread and adding keys costs V8 a hidden
    // class per event.
    const metadata = Object.assign({}, event.metadata) as Record<string, unknown>;
    metadata.prevHash = previous;
    metadata.hash = hash;
    if (key) metadata.chainAlg = 'hmac-sha256';
    chained.push({ ...event, metadata } as ChainedEvent<E>);
    previous = hash;
  }
  return chained;
}

export type ChainBreak =
  | 'missing_links'
  | 'prev_hash_mismatch'
  | 'hash_mismatch'
  | 'key_required'
  | 'unknown_algorithm'
  | 'algorithm_downgrade';

export type ChainVerification =
  | { ok: true; lastHash: string }
  | { ok: false; brokenAt: number; reason: ChainBreak; message: string };

/**
 * Verifies a whole stream from revision 0 (or from `startPrevHash`), in order. Keyed events need
 * `key`; an unkeyed event after a keyed one is refused (a rewrite made without the key).
 */
export function verifyChain(
  events: readonly { type: string; data: unknown; metadata?: { [key: string]: unknown } }[],
  startPrevHash: string = GENESIS_HASH,
  key?: Uint8Array,
): ChainVerification {
  let expectedPrev = startPrevHash;
  let keyedSeen = false;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const prevHash = event.metadata?.prevHash;
    const hash = event.metadata?.hash;
    const algorithm = event.metadata?.chainAlg ?? 'sha256';
    const broken = (reason: ChainBreak, what: string): ChainVerification => ({
      ok: false,
      brokenAt: i,
      reason,
      message: `Event ${i} (${event.type}) ${what}`,
    });
    if (typeof prevHash !== 'string' || typeof hash !== 'string') {
      return broken('missing_links', 'carries no hash chain links');
    }
    if (algorithm !== 'sha256' && algorithm !== 'hmac-sha256') {
      return broken(
        'unknown_algorithm',
        `is chained with an unknown algorithm '${String(algorithm)}'`,
      );
    }
    if (algorithm === 'sha256' && keyedSeen) {
      return broken(
        'algorithm_downgrade',
        'is chained without the key after keyed events: it was rewritten',
      );
    }
    if (algorithm === 'hmac-sha256') {
      keyedSeen = true;
      if (!key)
        return broken(
          'key_required',
          'is chained with HMAC-SHA256; verifying it needs the chain key',
        );
    }
    if (prevHash !== expectedPrev) {
      return broken(
        'prev_hash_mismatch',
        'does not follow the event before it: an event was removed, reordered or relinked',
      );
    }
    if (hashEvent(event, prevHash, algorithm === 'hmac-sha256' ? key : undefined) !== hash) {
      return broken('hash_mismatch', 'was changed after it was recorded');
    }
    expectedPrev = hash;
  }
  return { ok: true, lastHash: expectedPrev };
}

/**
 * An unkeyed digest of a stream's content (type and data of every event, in order), which anyone
 * can recompute: signed checkpoints carry it so an exported bundle can be checked offline with
 * the public key alone, while the keyed chain stays verifiable only where the key is.
 */
export function contentDigest(events: readonly ChainableEvent[]): string {
  let digest = GENESIS_HASH;
  for (const event of events) digest = hashEvent(event, digest);
  return digest;
}
