import type { AftercareEvent } from '@aftercare/domain';
import {
  customerStreamId,
  followUpTaskStreamId,
  promiseStreamId,
  warrantyClaimStreamId,
} from '@aftercare/domain';
import type { RecordedEvent } from '@aftercare/event-store';
import type { Projection } from './projection';

/**
 * Test support for the projection specs: domain events as the store would hand them over, and
 * a Given (events) / Then (state) fold.
 */
let position = 0n;

export function recorded(event: AftercareEvent, recordedAt?: string): RecordedEvent {
  position++;
  const data = event.data as {
    customerId?: string;
    claimId?: string;
    policyId?: string;
    promiseId?: string;
    taskId?: string;
    occurredAt: string;
  };
  const streamId = event.type.startsWith('Promise')
    ? promiseStreamId(data.promiseId ?? '')
    : event.type.startsWith('FollowUpTask')
      ? followUpTaskStreamId(data.taskId ?? '')
      : event.type.startsWith('Warranty') && event.type !== 'WarrantyPolicyPublished'
        ? warrantyClaimStreamId(data.claimId ?? '')
        : event.type === 'WarrantyPolicyPublished'
          ? `warrantyPolicy-${data.policyId}`
          : customerStreamId(data.customerId ?? '');
  return {
    id: `e-${position}`,
    type: event.type,
    data: event.data,
    metadata: { schemaVersion: 1 },
    streamId,
    revision: position,
    position,
    recordedAt: new Date(recordedAt ?? data.occurredAt),
  };
}

/** Folds the events of one key, as the runtime would. */
export function given<State>(
  projection: Projection<State>,
  key: string,
  events: readonly AftercareEvent[],
): State {
  return events
    .map((e) => recorded(e))
    .filter((e) => projection.keyOf(e) === key)
    .reduce((state, e) => projection.evolve(state, e), projection.initialState(key));
}
