import { createHash } from 'node:crypto';

/** Namespace of every name-based UUID Aftercare derives (fixed forever: changing it re-keys ids). */
export const AFTERCARE_NAMESPACE = '4cc51440-f452-4cec-bcfb-1e8dddc6bb08';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Namespaces as bytes, worked out once each (a write derives several ids). */
const namespaceBytes = new Map<string, Buffer>();

function bytesOf(namespace: string): Buffer {
  let bytes = namespaceBytes.get(namespace);
  if (!bytes) {
    if (!UUID.test(namespace)) throw new Error(`Namespace '${namespace}' is not a UUID`);
    bytes = Buffer.from(namespace.replace(/-/g, ''), 'hex');
    // Callers pass a few fixed namespaces; a bound keeps a caller that does not from growing it.
    if (namespaceBytes.size < 64) namespaceBytes.set(namespace, bytes);
  }
  return bytes;
}

/** Name-based UUID, version 5 (SHA-1), as RFC 4122 §4.3 describes it. */
export function uuidV5(name: string, namespace: string = AFTERCARE_NAMESPACE): string {
  const hash = createHash('sha1').update(bytesOf(namespace)).update(name, 'utf8').digest();
  const bytes = hash.subarray(0, 16);
  bytes[6] = (bytes[6] & 0x0f) | 0x50; // version 5
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Id of the `index`-th event a command records: a retried command derives the same ids. */
export function eventIdFor(commandId: string, index: number): string {
  return uuidV5(`${commandId}:${index}`);
}

/** The event ids of one command, each derived once however often it is asked for. */
export class CommandEventIds {
  private readonly ids: string[] = [];

  constructor(readonly commandId: string) {}

  at(index: number): string {
    return (this.ids[index] ??= eventIdFor(this.commandId, index));
  }
}

/**
 * An id for a new thing (customer, complaint, ...) the caller did not name, derived from the
 * command id so a retried command addresses the same thing instead of creating a second one.
 */
export function entityIdFor(commandId: string, role: string): string {
  return uuidV5(`${commandId}:id:${role}`);
}
