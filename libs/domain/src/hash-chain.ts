import { canonicalJson, sha256Hex } from './canonical-json';

/**
 * Hash chain over a warranty claim stream: each event's metadata holds `prevHash` (the previous
 * event's hash, GENESIS_HASH for revision 0) and `hash` = sha256(canonicalJson({type, data,
 * prevHash})). An edit made behind the engine's back breaks the chain at the edited event.
 * Hashes cover the data as stored (verify before upcasting).
 */
export const GENESIS_HASH = '0'.repeat(64);

export type ChainLinks = { prevHash: string; hash: string };

export type ChainableEvent = { type: string; data: unknown };

export type ChainedEvent<E extends ChainableEvent> = E & {
  metadata: (E extends { metadata: infer M } ? M : unknown) & ChainLinks;
};

export function hashEvent(event: ChainableEvent, prevHash: string): string {
  return sha256Hex(canonicalJson({ type: event.type, data: event.data, prevHash }));
}

/**
 * Links `events` after the event whose hash is `prevHash` (GENESIS_HASH for a new stream). Any
 * metadata already on an event is kept.
 */
export function chainEvents<E extends ChainableEvent & { metadata?: object }>(
  prevHash: string,
  events: readonly E[],
): ChainedEvent<E>[] {
  const chained: ChainedEvent<E>[] = [];
  let previous = prevHash;
  for (const event of events) {
    const hash = hashEvent(event, previous);
    chained.push({
      ...event,
      metadata: { ...(event.metadata ?? {}), prevHash: previous, hash },
    } as ChainedEvent<E>);
    previous = hash;
  }
  return chained;
}

export type ChainBreak = 'missing_links' | 'prev_hash_mismatch' | 'hash_mismatch';

export type ChainVerification =
  | { ok: true; lastHash: string }
  | { ok: false; brokenAt: number; reason: ChainBreak; message: string };

/** Verifies a whole stream from revision 0 (or from `startPrevHash`), in order. */
export function verifyChain(
  events: readonly { type: string; data: unknown; metadata?: { [key: string]: unknown } }[],
  startPrevHash: string = GENESIS_HASH,
): ChainVerification {
  let expectedPrev = startPrevHash;
  for (let i = 0; i < events.length; i++) {
    const event = events[i];
    const prevHash = event.metadata?.prevHash;
    const hash = event.metadata?.hash;
    if (typeof prevHash !== 'string' || typeof hash !== 'string') {
      return {
        ok: false,
        brokenAt: i,
        reason: 'missing_links',
        message: `Event ${i} (${event.type}) carries no hash chain links`,
      };
    }
    if (prevHash !== expectedPrev) {
      return {
        ok: false,
        brokenAt: i,
        reason: 'prev_hash_mismatch',
        message: `Event ${i} (${event.type}) does not follow the event before it: an event was removed, reordered or relinked`,
      };
    }
    if (hashEvent(event, prevHash) !== hash) {
      return {
        ok: false,
        brokenAt: i,
        reason: 'hash_mismatch',
        message: `Event ${i} (${event.type}) was changed after it was recorded`,
      };
    }
    expectedPrev = hash;
  }
  return { ok: true, lastHash: expectedPrev };
}
