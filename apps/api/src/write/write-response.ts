import type { CommandResult } from '@aftercare/application';
import { POSITION_HEADER } from '../read/min-position.guard';

/** The part of Fastify's reply a write touches. */
export interface WriteHttpResponse {
  header(name: string, value: string): unknown;
}

/** The JSON body of a write: the result without the stored events, plus the relevant ids. */
export function writeResponse<Extra extends object>(
  result: CommandResult,
  response: WriteHttpResponse,
  extra: Extra,
): Pick<CommandResult, 'streamId' | 'eventIds' | 'revision' | 'position'> & Extra {
  // A retried command answers what it first answered; the header tells the client so.
  if (result.replayed) response.header('Idempotent-Replayed', 'true');
  // Passed back as X-Aftercare-Min-Position, a read waits until the read models show this write.
  response.header(POSITION_HEADER, result.position);
  return {
    streamId: result.streamId,
    eventIds: result.eventIds,
    revision: result.revision,
    position: result.position,
    ...extra,
  };
}

/** Business time defaults to the moment the request arrived. */
export function occurredAt(body: { occurredAt?: string }): string {
  return body.occurredAt ?? new Date().toISOString();
}
