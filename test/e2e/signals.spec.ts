import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SIGNAL_SETTINGS,
  EVENT_STORE,
  PROJECTION_ENGINE,
  SignalProcessor,
  SIGNALS_CHECKPOINT,
  signalStreamId,
} from '@aftercare/application';
import type { EventStore, GlobalPosition, RecordedEvent } from '@aftercare/event-store';
import { clvModelStreamId, type ClvModelFittedData } from '@aftercare/projections';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, bearer, createApiKey } from '../support/auth';
import { SseClient } from '../support/sse-client';

jest.setTimeout(60_000);

/**
 * A service subscribing to derived lifecycle signals: a customer's journey recorded through the
 * API turns into signals in `signal-<customerId>`, once each, in order, through restarts and
 * replays, and on the SSE feed.
 */
describe('lifecycle signals', () => {
  let dir: string;
  let app: INestApplication;
  let store: EventStore;
  let baseUrl: string;
  const customerId = 'sig-1';
  let adminKey: string;
  const http = () => authed(app, adminKey);

  /** CDNOW-like BG/NBD and Gamma-Gamma parameters, recorded as a population fit. */
  const fit: ClvModelFittedData = {
    fitId: 'fit-1',
    occurredAt: '2024-01-01T00:00:00.000Z',
    window: { from: '2023-01-01', to: '2023-12-31' },
    currency: 'EUR',
    timeUnit: 'weeks',
    customers: 2357,
    customersWithRepeatPurchases: 1000,
    bgNbd: {
      params: { r: 0.243, alpha: 4.414, a: 0.793, b: 2.426 },
      logLikelihood: -9582.4,
      converged: true,
      iterations: 100,
    },
    gammaGamma: {
      params: { p: 6.25, q: 3.74, gamma: 15.44 },
      logLikelihood: -4000,
      customers: 946,
      converged: true,
    },
    horizonWeeks: 52,
    annualDiscountRate: 0.1,
  };

  async function signals(): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const e of store.readStream(signalStreamId(customerId))) events.push(e);
    return events;
  }

  /** Position of the last event the processor consumes (signals themselves are not). */
  async function lastSourcePosition(): Promise<GlobalPosition> {
    let last = 0n;
    const events = store.readAll({
      filter: { categories: ['customer', 'warranty', 'clvModel'] },
    });
    for await (const e of events) last = e.position;
    return last;
  }

  async function settle(processor: SignalProcessor): Promise<void> {
    await processor.waitForPosition(await lastSourcePosition());
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-signals-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    process.env.AFTERCARE_SIGNALS_SWEEP_MS = '0'; // the test sweeps with its own clock
    app = await createApiApp({ logger: false });
    adminKey = await createApiKey(app);
    await app.listen(0, '127.0.0.1');
    baseUrl = (await app.getUrl()).replace('[::1]', '127.0.0.1');
    store = app.get<EventStore>(EVENT_STORE);
  });

  afterAll(async () => {
    await app?.close();
    delete process.env.AFTERCARE_SIGNALS_SWEEP_MS;
    rmSync(dir, { recursive: true, force: true });
  });

  it('turns a journey into signals, once each, in order, through restarts, on the SSE feed', async () => {
    // Given a customer who bought twice early in 2024, under a population CLV fit.
    await store.appendToStream(clvModelStreamId(fit.fitId), [
      {
        id: '6f1c2a52-0d49-4c43-9a3b-8f6a1c1e0001',
        type: 'ClvModelFitted',
        data: fit,
        metadata: { schemaVersion: 1 },
      },
    ]);
    await http()
      .post('/v1/warranty-policies')
      .send({
        policyId: 'standard',
        name: 'Standard',
        occurredAt: '2023-12-01T00:00:00Z',
        effectiveFrom: '2023-12-01T00:00:00Z',
        terms: {
          coverageMonths: { default: 12, byCategory: {} },
          exclusions: ['accidental_damage', 'misuse', 'unauthorised_repair'],
          requireProofOfPurchase: true,
          repeatClaimThreshold: 2,
          remedyRules: [],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 1,
        },
      })
      .expect(201);
    await http()
      .post('/v1/customers')
      .send({
        customerId,
        occurredAt: '2024-01-01T09:00:00Z',
        pii: { name: 'Ada Lovelace', email: 'ada@example.com' },
        jurisdiction: 'EU',
        countryCode: 'DE',
        segment: 'consumer',
        signupChannel: 'online',
      })
      .expect(201);
    for (const [purchaseId, at] of [
      ['p-tv', '2024-01-02T10:00:00Z'],
      ['p-soundbar', '2024-02-01T10:00:00Z'],
    ]) {
      await http()
        .post(`/v1/customers/${customerId}/purchases`)
        .send({
          purchaseId,
          occurredAt: at,
          orderId: `order-${purchaseId}`,
          sku: purchaseId.toUpperCase(),
          productCategory: 'tv',
          serialNumber: `SN-${purchaseId}`,
          price: 800,
          currency: 'EUR',
          channel: 'online',
          warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
        })
        .expect(201);
    }

    // When a complaint is filed, a detractor answers, the complaint is left unacknowledged past
    // its 48-hour target, and a year-two claim of unknown cause goes to review.
    await http()
      .post(`/v1/customers/${customerId}/complaints`)
      .set('X-Correlation-Id', 'journey-1')
      .send({
        complaintId: 'cmp-1',
        purchaseId: 'p-tv',
        category: 'product_defect',
        severity: 'medium',
        channel: 'phone',
        remedySought: 'repair',
        occurredAt: '2025-06-01T09:00:00Z',
      })
      .expect(201);
    await http()
      .post(`/v1/customers/${customerId}/feedback`)
      .send({ nps: 5, occurredAt: '2025-06-01T10:00:00Z' })
      .expect(201);
    const claim = await http()
      .post('/v1/warranty-claims')
      .send({
        claimId: 'claim-1',
        customerId,
        purchaseId: 'p-tv',
        defect: { code: 'NO-POWER', description: 'Does not turn on' },
        symptom: 'Does not turn on',
        evidence: { proofOfPurchase: true },
        noticedAt: '2025-06-04T20:00:00Z',
        occurredAt: '2025-06-05T09:00:00Z',
      })
      .expect(201);
    // Month 17, past the one-year presumption: the cause must be assessed.
    expect(claim.body.outcome).toBe('needs_assessment');
    await http()
      .post(`/v1/customers/${customerId}/complaints/cmp-1/acknowledgement`)
      .send({ occurredAt: '2025-06-06T09:00:00Z' })
      .expect(201);

    const processor = app.get(SignalProcessor);
    await settle(processor);

    // Then the signals appear in order, once each, naming their cause.
    const recorded = await signals();
    expect(recorded.map((e) => e.type)).toEqual([
      'SatisfactionStateChanged',
      'ChurnBandChanged',
      'SatisfactionStateChanged',
      'ComplaintAcknowledgementTargetBreached',
      'WarrantyClaimReferredForReview',
    ]);
    const [toAtRisk, churn, toDissatisfied, ackBreach, review] = recorded;
    expect(toAtRisk.data).toMatchObject({ from: 'neutral', to: 'at_risk' });
    expect(churn.data).toMatchObject({ from: 'low', to: 'high' });
    expect((churn.data as { factors: unknown[] }).factors.length).toBeGreaterThan(0);
    expect(toDissatisfied.data).toMatchObject({
      from: 'at_risk',
      to: 'dissatisfied',
      reasons: expect.arrayContaining([expect.stringContaining('NPS 5')]),
    });
    expect(ackBreach.data).toEqual({
      customerId,
      complaintId: 'cmp-1',
      severity: 'medium',
      filedAt: '2025-06-01T09:00:00Z',
      targetHours: 48,
      breachedAt: '2025-06-03T09:00:00.000Z',
      occurredAt: '2025-06-05T09:00:00Z',
    });
    expect(review.data).toMatchObject({ customerId, claimId: 'claim-1' });
    expect((review.data as { reasons: string[] }).reasons.length).toBeGreaterThan(0);

    const complaintFiled = await sourceEvent('customer', 'ComplaintFiled');
    expect(toAtRisk.metadata).toMatchObject({
      causationId: complaintFiled.id,
      correlationId: complaintFiled.metadata.correlationId,
    });
    const decided = await sourceEvent('warranty', 'WarrantyClaimDecided');
    expect(review.metadata.causationId).toBe(decided.id);

    // And the sweep finds the resolution target (10 days) passing while nothing happens.
    expect(await processor.sweep(new Date('2025-06-10T00:00:00Z'))).toBe(0);
    expect(await processor.sweep(new Date('2025-06-12T00:00:00Z'))).toBe(1);
    expect(await processor.sweep(new Date('2025-06-13T00:00:00Z'))).toBe(0);
    const swept = (await signals()).at(-1);
    expect(swept?.type).toBe('ComplaintResolutionTargetBreached');
    expect(swept?.data).toMatchObject({
      targetHours: 240,
      breachedAt: '2025-06-11T09:00:00.000Z',
      occurredAt: '2025-06-12T00:00:00.000Z',
    });
    expect(swept?.metadata.causationId).toBe(complaintFiled.id);
    const before = (await signals()).map((e) => e.id);

    // When the processor restarts (a new instance on the same store), nothing is emitted twice;
    // it resumes from its checkpoint and picks up what happened while it was down.
    await processor.stop();
    await http()
      .post(`/v1/customers/${customerId}/complaints/cmp-1/resolution`)
      .send({
        resolution: 'Replaced the board',
        remedyGiven: 'repair',
        occurredAt: '2025-06-14T09:00:00Z',
      })
      .expect(201);
    const restarted = new SignalProcessor(
      store,
      { ...DEFAULT_SIGNAL_SETTINGS, sweepIntervalMs: 0 },
      app.get(PROJECTION_ENGINE),
    );
    restarted.start();
    await settle(restarted);
    expect(await restarted.sweep(new Date('2025-07-01T00:00:00Z'))).toBe(0);
    const after = await signals();
    expect(after.map((e) => e.id).slice(0, before.length)).toEqual(before);
    expect(after.slice(before.length).map((e) => [e.type, e.data])).toEqual([
      [
        'SatisfactionStateChanged',
        expect.objectContaining({ from: 'dissatisfied', to: 'at_risk' }),
      ],
    ]);
    const count = after.length;

    // And a replay of everything (a crash before any checkpoint, or a reset one) adds nothing.
    await restarted.stop();
    await store.saveCheckpoint(SIGNALS_CHECKPOINT, 1n);
    const replay = new SignalProcessor(
      store,
      { ...DEFAULT_SIGNAL_SETTINGS, sweepIntervalMs: 0, cacheSize: 1 },
      app.get(PROJECTION_ENGINE),
    );
    replay.start();
    await settle(replay);
    expect(await replay.sweep(new Date('2025-07-01T00:00:00Z'))).toBe(0);
    await replay.stop();
    expect((await signals()).map((e) => e.id)).toEqual(after.map((e) => e.id));
    expect(new Set(after.map((e) => e.id)).size).toBe(count);

    // A service following the signal category on SSE receives them all, in order.
    const client = new SseClient(`${baseUrl}/v1/events/stream?category=signal`, bearer(adminKey));
    expect(await client.connect()).toBe(200);
    await client.waitFor((c) => c.events.length >= count);
    client.close();
    expect(client.events.map((f) => f.event)).toEqual(after.map((e) => e.type));
    expect(client.events.map((f) => BigInt(f.id ?? '-1'))).toEqual(after.map((e) => e.position));
  });

  async function sourceEvent(category: string, type: string): Promise<RecordedEvent> {
    for await (const e of store.readAll({ filter: { categories: [category] } })) {
      if (e.type === type) return e;
    }
    throw new Error(`no ${type}`);
  }
});
