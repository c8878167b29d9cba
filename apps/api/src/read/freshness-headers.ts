import type { FastifyReply } from 'fastify';
import type { RuntimeStatus } from '@aftercare/application';

export const FRESHNESS_HEADERS = [
  'X-Aftercare-Head',
  'X-Aftercare-Checkpoint',
  'X-Aftercare-Lag',
  'X-Aftercare-Status-At',
];

/**
 * Says how fresh an answer from the read models is, from the runtime's cached snapshot (no
 * per-request count): the store's head position, the lowest checkpoint among the read models,
 * the largest lag (0 once the projections run here have caught up; otherwise head minus
 * checkpoint, an upper bound) and when the snapshot was taken. Absent until the first snapshot.
 */
export function writeFreshnessHeaders(response: FastifyReply, runtime?: RuntimeStatus): void {
  const snapshot = runtime?.snapshot();
  if (!snapshot || !snapshot.projections.length) return;
  let checkpoint: bigint | undefined;
  let lag = 0n;
  for (const p of snapshot.projections) {
    const at = p.checkpoint ?? 0n;
    if (checkpoint === undefined || at < checkpoint) checkpoint = at;
    if (p.lag > lag) lag = p.lag;
  }
  response.header('X-Aftercare-Head', (snapshot.head ?? 0n).toString());
  response.header('X-Aftercare-Checkpoint', (checkpoint ?? 0n).toString());
  response.header('X-Aftercare-Lag', lag.toString());
  response.header('X-Aftercare-Status-At', snapshot.at);
}
