import type { FastifyReply } from 'fastify';
import type { RuntimeSnapshot, RuntimeStatus } from '@aftercare/application';

export const FRESHNESS_HEADERS = [
  'X-Aftercare-Head',
  'X-Aftercare-Checkpoint',
  'X-Aftercare-Lag',
  'X-Aftercare-Status-At',
];

/** The headers' values for one snapshot: worked out once, whatever the number of reads. */
const valuesBySnapshot = new WeakMap<RuntimeSnapshot, string[]>();

function freshnessOf(snapshot: RuntimeSnapshot): string[] {
  let values = valuesBySnapshot.get(snapshot);
  if (values) return values;
  let checkpoint: bigint | undefined;
  let lag = 0n;
  for (const p of snapshot.projections) {
    const at = p.checkpoint ?? 0n;
    if (checkpoint === undefined || at < checkpoint) checkpoint = at;
    if (p.lag > lag) lag = p.lag;
  }
  values = [
    (snapshot.head ?? 0n).toString(),
    (checkpoint ?? 0n).toString(),
    lag.toString(),
    snapshot.at,
  ];
  valuesBySnapshot.set(snapshot, values);
  return values;
}

/**
 * Says how fresh an answer from the read models is, from the runtime's cached snapshot (no
 * per-request count): the store's head position, the lowest checkpoint among the read models,
 * the largest lag (0 once the projections run here have caught up; otherwise head minus
 * checkpoint, an upper bound) and when the snapshot was taken. Absent until the first snapshot.
 */
export function writeFreshnessHeaders(response: FastifyReply, runtime?: RuntimeStatus): void {
  const snapshot = runtime?.snapshot();
  if (!snapshot || !snapshot.projections.length) return;
  freshnessOf(snapshot).forEach((value, i) => response.header(FRESHNESS_HEADERS[i], value));
}
