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

/** WarrantyClaimFiled as schema v1 wrote it: the claimant's cause, no noticedAt, '' for no serial. */
const STORED_V1_CLAIM = `{
  "claimId": "w-9",
  "customerId": "cust-1",
  "occurredAt": "2024-05-02T09:00:00.000Z",
  "purchaseId": "p-3",
  "serialNumber": "",
  "defect": { "code": "NO-POWER", "description": "Does not turn on", "cause": "manufacturing" },
  "evidence": { "proofOfPurchase": true },
  "remedyRequested": "replace"
}`;

describe('upcasters', () => {
  it('lifts WarrantyClaimFiled v1 to v2: noticed when filed, the cause only suspected', () => {
    const result = upcast('WarrantyClaimFiled', 1, JSON.parse(STORED_V1_CLAIM));
    expect(result).toEqual({
      schemaVersion: 2,
      data: {
        claimId: 'w-9',
        customerId: 'cust-1',
        occurredAt: '2024-05-02T09:00:00.000Z',
        noticedAt: '2024-05-02T09:00:00.000Z',
        purchaseId: 'p-3',
        serialNumber: null,
        defect: { code: 'NO-POWER', description: 'Does not turn on' },
        symptom: 'Does not turn on',
        suspectedCause: 'manufacturing',
        evidence: { proofOfPurchase: true },
        remedyRequested: 'replace',
      },
    });
  });

  it('keeps a v1 serial number as it was', () => {
    const v1 = { ...JSON.parse(STORED_V1_CLAIM), serialNumber: 'SN-4' };
    expect(upcast('WarrantyClaimFiled', 1, v1).data).toMatchObject({ serialNumber: 'SN-4' });
  });

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

  it('has a version for every event type, FeedbackReceived and WarrantyClaimFiled at 2', () => {
    expect(EVENT_SCHEMA_VERSIONS.FeedbackReceived).toBe(2);
    expect(EVENT_SCHEMA_VERSIONS.WarrantyClaimFiled).toBe(2);
    expect(Object.values(EVENT_SCHEMA_VERSIONS).every((v) => Number.isInteger(v) && v >= 1)).toBe(
      true,
    );
  });
});
