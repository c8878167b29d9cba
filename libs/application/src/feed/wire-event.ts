import type { RecordedEvent } from '@aftercare/event-store';

/** A recorded event as services receive it (SSE data, webhook body): bigints as strings. */
export function wireEvent(event: RecordedEvent): string {
  return JSON.stringify({
    id: event.id,
    type: event.type,
    streamId: event.streamId,
    revision: event.revision.toString(),
    position: event.position.toString(),
    recordedAt: event.recordedAt.toISOString(),
    data: event.data,
    metadata: event.metadata,
  });
}
