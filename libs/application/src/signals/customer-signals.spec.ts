import type { RecordedEvent } from '@aftercare/event-store';
import {
  type CustomerSignalState,
  dueBreaches,
  initialCustomerSignals,
  nextTargetDeadline,
  stepCustomerSignals,
} from './customer-signals';

let position = 0n;
function recorded(type: string, data: Record<string, unknown>): RecordedEvent {
  position += 1n;
  return {
    id: `00000000-0000-4000-8000-${position.toString().padStart(12, '0')}`,
    type,
    data: { customerId: 'c1', ...data },
    metadata: { schemaVersion: 1, correlationId: 'corr' },
    streamId: 'customer-c1',
    revision: position,
    position,
    recordedAt: new Date(0),
  };
}

function given(events: RecordedEvent[]): { state: CustomerSignalState; types: string[] } {
  let state = initialCustomerSignals('c1');
  const types: string[] = [];
  for (const event of events) {
    const result = stepCustomerSignals(state, event, null);
    state = result.state;
    types.push(...result.signals.map((s) => s.type));
  }
  return { state, types };
}

const filed = (severity: string, at: string) =>
  recorded('ComplaintFiled', {
    complaintId: 'k1',
    category: 'delivery',
    severity,
    channel: 'phone',
    remedySought: 'refund',
    occurredAt: at,
  });

describe('complaint targets', () => {
  it('signals an acknowledgement that came after the target, once', () => {
    const { types } = given([
      filed('critical', '2025-01-01T00:00:00Z'),
      recorded('ComplaintAcknowledged', { complaintId: 'k1', occurredAt: '2025-01-02T01:00:00Z' }),
      recorded('FeedbackReceived', {
        feedbackId: 'f1',
        csat: 4,
        occurredAt: '2025-01-02T02:00:00Z',
      }),
    ]);
    expect(types.filter((t) => t.startsWith('Complaint'))).toEqual([
      'ComplaintAcknowledgementTargetBreached',
    ]);
  });

  it('raises nothing for a complaint acknowledged and resolved in time', () => {
    const { state, types } = given([
      filed('low', '2025-01-01T00:00:00Z'),
      recorded('ComplaintAcknowledged', { complaintId: 'k1', occurredAt: '2025-01-03T00:00:00Z' }),
      recorded('ComplaintResolved', {
        complaintId: 'k1',
        resolution: 'refunded',
        remedyGiven: 'refund',
        occurredAt: '2025-01-15T00:00:00Z',
      }),
    ]);
    expect(types.filter((t) => t.startsWith('Complaint'))).toEqual([]);
    expect(nextTargetDeadline(state)).toBeUndefined();
    expect(dueBreaches(state, '2026-01-01T00:00:00Z', () => ({ eventId: 'x' })).signals).toEqual(
      [],
    );
  });

  it('lets the sweep find a target passing in silence, with the same id the event path derives', () => {
    const { state } = given([filed('high', '2025-01-01T00:00:00Z')]);
    expect(nextTargetDeadline(state)).toBe(Date.parse('2025-01-02T00:00:00Z'));
    const swept = dueBreaches(state, '2025-01-02T06:00:00Z', () => ({ eventId: 'x' }));
    expect(swept.signals.map((s) => s.type)).toEqual(['ComplaintAcknowledgementTargetBreached']);
    expect(
      dueBreaches(swept.state, '2025-01-02T07:00:00Z', () => ({ eventId: 'x' })).signals,
    ).toEqual([]);
    const viaEvent = stepCustomerSignals(
      state,
      recorded('ReferralMade', { referralId: 'r1', occurredAt: '2025-01-02T06:00:00Z' }),
      null,
    );
    const ids = viaEvent.signals.filter((s) => s.type.startsWith('Complaint')).map((s) => s.id);
    expect(ids).toEqual([swept.signals[0].id]);
  });
});

describe('signal ids', () => {
  it('derive from the cause, so processing an event again gives the same signals', () => {
    const events = [filed('critical', '2025-01-01T00:00:00Z')];
    expect(given(events).types).toEqual(['SatisfactionStateChanged']);
    const first = stepCustomerSignals(initialCustomerSignals('c1'), events[0], null).signals;
    const again = stepCustomerSignals(initialCustomerSignals('c1'), events[0], null).signals;
    expect(again).toEqual(first);
    expect(first[0].metadata).toMatchObject({ causationId: events[0].id, correlationId: 'corr' });
  });
});
