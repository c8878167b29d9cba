import { EVENT_SCHEMA_VERSIONS } from './events';
import { DomainError } from './domain-error';
import { upcast, upcastEvent } from './upcasters';

/** FeedbackReceived as schema v1 wrote it, before CSAT and CES existed. */
const STORED_V1_FEEDBACK = `{
  "customerId": "cust-1",
  "occurredAt": "2023-05-04T12:00:00.000Z",
  "feedbackId": "f-17",
  "score": 6,
  "comment": "Delivery was late"
}`;

describe('upcasters', () => {
  it('lifts FeedbackReceived v1 (single score) to v2 (nps)', () => {
    const result = upcast('FeedbackReceived', 1, JSON.parse(STORED_V1_FEEDBACK));
    expect(result).toEqual({
      schemaVersion: 2,
      data: {
        customerId: 'cust-1',
        occurredAt: '2023-05-04T12:00:00.000Z',
        feedbackId: 'f-17',
        nps: 6,
        comment: 'Delivery was late',
      },
    });
  });

  it('lifts a v1 event without a comment', () => {
    const { data } = upcast('FeedbackReceived', 1, {
      customerId: 'c',
      occurredAt: 't',
      feedbackId: 'f',
      score: 10,
    });
    expect(data).toEqual({ customerId: 'c', occurredAt: 't', feedbackId: 'f', nps: 10 });
  });

  it('leaves current events untouched', () => {
    const data = { customerId: 'c', occurredAt: 't', feedbackId: 'f', csat: 4 };
    expect(upcast('FeedbackReceived', 2, data)).toEqual({ data, schemaVersion: 2 });
    expect(upcast('PurchaseRecorded', 1, data).data).toBe(data);
  });

  it('passes unknown event types through', () => {
    expect(upcast('SomethingElse', 7, { a: 1 })).toEqual({ data: { a: 1 }, schemaVersion: 7 });
  });

  it('refuses a version newer than this code knows', () => {
    expect(() => upcast('FeedbackReceived', 3, {})).toThrow(DomainError);
  });

  it('upcasts a stored event and its metadata', () => {
    const event = {
      type: 'FeedbackReceived',
      data: JSON.parse(STORED_V1_FEEDBACK) as unknown,
      metadata: { schemaVersion: 1, correlationId: 'corr' },
    };
    expect(upcastEvent(event)).toMatchObject({
      data: { nps: 6 },
      metadata: { schemaVersion: 2, correlationId: 'corr' },
    });
  });

  it('has a version for every event type, FeedbackReceived at 2', () => {
    expect(EVENT_SCHEMA_VERSIONS.FeedbackReceived).toBe(2);
    expect(Object.values(EVENT_SCHEMA_VERSIONS).every((v) => Number.isInteger(v) && v >= 1)).toBe(
      true,
    );
  });
});
