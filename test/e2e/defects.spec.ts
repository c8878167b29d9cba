import type { INestApplication } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFECT_SIGNAL_STREAM,
  EVENT_STORE,
  ProjectionHost,
  SignalProcessor,
} from '@aftercare/application';
import type { EventStore, EventToAppend, RecordedEvent } from '@aftercare/event-store';
import { customerProfileProjection } from '@aftercare/projections';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';
import { type OpenApiDocument, ResponseValidator } from '../support/openapi';

jest.setTimeout(120_000);

/**
 * The defect early warning an R&D analyst relies on: a product line whose defect E1 triples in
 * September 2024 while E2 stays as it was. The report says E1 is rising and E2 is not, with the
 * evidence; the signal processor records DefectRateRising for E1 only, once.
 */
describe('defect early warning', () => {
  let dir: string;
  let app: INestApplication;
  let store: EventStore;
  let analystKey: string;
  let agentKey: string;
  let validator: ResponseValidator;

  const SOLD_PER_MONTH = 100;
  const month = (m: number): string =>
    `${2023 + Math.floor(m / 12)}-${String((m % 12) + 1).padStart(2, '0')}`;

  /**
   * Month m's purchases (customer def-m; even units from supplier batch LOT-A, odd from LOT-B)
   * and its defects, counted at the rate in force, each on a unit sold so far. E1's rise is all
   * in LOT-B: the extra defects fall on odd units only.
   */
  function monthEvents(m: number): EventToAppend[] {
    const customerId = `def-${m}`;
    const day = (d: number): string => `${month(m)}-${String(d).padStart(2, '0')}T10:00:00.000Z`;
    const event = (type: string, data: Record<string, unknown>): EventToAppend => ({
      id: randomUUID(),
      type,
      data: { customerId, ...data },
      metadata: { schemaVersion: 1 },
    });
    const events = Array.from({ length: SOLD_PER_MONTH }, (_, i) =>
      event('PurchaseRecorded', {
        occurredAt: day(1 + (i % 28)),
        purchaseId: `pur-${m}-${i}`,
        orderId: `ord-${m}-${i}`,
        sku: 'TV-1',
        productCategory: 'tv',
        serialNumber: `SN-${m}-${i}`,
        supplierBatch: i % 2 === 0 ? 'LOT-A' : 'LOT-B',
        price: 500,
        currency: 'EUR',
        channel: 'online',
        warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      }),
    );
    const exposure = SOLD_PER_MONTH * m + SOLD_PER_MONTH / 2;
    const steady = { E1: 0.004, E2: 0.002 };
    for (const [code, rate] of Object.entries(steady)) {
      const base = Math.round(rate * exposure);
      const total = code === 'E1' && m >= 20 ? Math.round(3 * rate * exposure) : base;
      for (let k = 0; k < total; k++) {
        // A unit in service, spread over all sold so far; the rise's extras on LOT-B's.
        let unit = (k * 37 + m * 11) % (SOLD_PER_MONTH * (m + 1));
        if (k >= base) unit |= 1;
        const [soldIn, i] = [Math.floor(unit / SOLD_PER_MONTH), unit % SOLD_PER_MONTH];
        events.push(
          event('RepairCompleted', {
            occurredAt: day(15),
            repairId: `rep-${m}-${code}-${k}`,
            purchaseId: `pur-${soldIn}-${i}`,
            serialNumber: `SN-${soldIn}-${i}`,
            paidBy: 'customer',
            cost: 80,
            currency: 'EUR',
            defectCode: code,
          }),
        );
      }
    }
    return events;
  }

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-defects-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    process.env.AFTERCARE_SIGNALS_SWEEP_MS = '0'; // the test sweeps with its own clock
    app = await createApiApp({ logger: false });
    await app.init();
    store = app.get<EventStore>(EVENT_STORE);
    analystKey = await createApiKey(app, 'analyst');
    agentKey = await createApiKey(app, 'agent');
    const admin = await createApiKey(app);
    const spec = (await authed(app, admin).get('/docs-json').expect(200)).body as OpenApiDocument;
    validator = new ResponseValidator(spec);
    let last = 0n;
    for (let m = 0; m < 24; m++) {
      last = (await store.appendToStream(`customer-def-${m}`, monthEvents(m))).position;
    }
    const engine = app.get(ProjectionHost).engine;
    // Up to the last customer event, not the head: the signals those events cause land after it,
    // and a projection that does not follow signals never moves its checkpoint past them.
    // No claim is recorded: the warranty-claims read model has nothing to catch up.
    await engine.waitForCheckpoint(customerProfileProjection.name, last, 60_000);
    await app.get(SignalProcessor).waitForPosition(last);
  });

  afterAll(async () => {
    await app?.close();
    delete process.env.AFTERCARE_SIGNALS_SWEEP_MS;
    rmSync(dir, { recursive: true, force: true });
  });

  /** The report for a query, checked against its OpenAPI schema. */
  async function report(query: string) {
    const res = await authed(app, analystKey).get(`/v1/analytics/defects?${query}`).expect(200);
    expect(
      validator.problems('get', '/v1/analytics/defects', {
        status: res.status,
        headers: res.headers as Record<string, string>,
        body: res.body,
      }),
    ).toEqual([]);
    return res;
  }

  it('reports each defect rate with its trend and CUSUM: E1 rising, E2 steady', async () => {
    const res = await report('asOf=2025-01-15');
    expect(res.body.throughMonth).toBe('2024-12');
    const [tv] = res.body.skus;
    expect(tv).toMatchObject({ sku: 'TV-1', productCategory: 'tv', unitsInService: 2400 });
    const byCode = Object.fromEntries(
      tv.byDefect.map((d: { defectCode: string }) => [d.defectCode, d]),
    );
    expect(byCode.E1.cusum).toMatchObject({ rising: true, lastAlarm: '2024-12', threshold: 7 });
    expect(byCode.E1.trend.rateRatio).toBeGreaterThan(2);
    expect(byCode.E1.months.find((m: { month: string }) => m.month === '2024-09')).toMatchObject({
      alarm: true,
    });
    expect(byCode.E2.cusum).toMatchObject({ rising: false, lastAlarm: null });
    expect(byCode.E2.trend.rateRatio).toBeGreaterThan(0.8);
    expect(byCode.E2.trend.rateRatio).toBeLessThan(1.25);
    // Before the rise nothing was rising.
    const before = await authed(app, analystKey).get('/v1/analytics/defects?asOf=2024-09-01');
    expect(
      before.body.skus[0].byDefect.every((d: { cusum: { lastAlarm: null } }) => !d.cusum.lastAlarm),
    ).toBe(true);
  });

  it('breaks each rate down by supplier batch with by=batch: E1 rising in LOT-B only', async () => {
    const res = await report('asOf=2025-01-15&by=batch');
    type BatchRow = {
      supplierBatch: string;
      unitsSold: number;
      judged: boolean;
      comparison: { ratio: number };
      cusum: { lastAlarm: string | null };
    };
    const rows = (code: string): Record<string, BatchRow> =>
      Object.fromEntries(
        res.body.skus[0].byDefect
          .find((d: { defectCode: string }) => d.defectCode === code)
          .byBatch.map((b: BatchRow) => [b.supplierBatch, b]),
      );
    const e1 = rows('E1');
    expect(e1['LOT-A']).toMatchObject({
      unitsSold: 1200,
      judged: true,
      cusum: { lastAlarm: null },
    });
    expect(e1['LOT-B'].cusum.lastAlarm).not.toBeNull();
    // Over all months judged, the rise's last four months included.
    expect(e1['LOT-B'].comparison.ratio).toBeGreaterThan(1.25);
    expect(e1['LOT-A'].comparison.ratio).toBeLessThan(1);
    const e2 = rows('E2');
    expect(Object.values(e2).map((b) => b.cusum.lastAlarm)).toEqual([null, null]);
    // Without by=batch the report is as before: no batch rows.
    const plain = await authed(app, analystKey).get('/v1/analytics/defects?asOf=2025-01-15');
    expect(plain.body.skus[0].byDefect[0]).not.toHaveProperty('byBatch');
    await authed(app, analystKey).get('/v1/analytics/defects?by=lot').expect(400);
  });

  it('refuses agents, unknown SKUs and bad dates with a problem', async () => {
    await authed(app, agentKey).get('/v1/analytics/defects').expect(403);
    const missing = await authed(app, analystKey).get('/v1/analytics/defects?sku=NOPE').expect(404);
    expect(missing.headers['content-type']).toMatch(/application\/problem\+json/);
    await authed(app, analystKey).get('/v1/analytics/defects?asOf=yesterday').expect(400);
    const one = await authed(app, analystKey).get('/v1/analytics/defects?sku=TV-1').expect(200);
    expect(one.body.skus.map((s: { sku: string }) => s.sku)).toEqual(['TV-1']);
  });

  it('records DefectRateRising for E1 with the evidence, once, at the sweep', async () => {
    const processor = app.get(SignalProcessor);
    const appended = await processor.sweep(new Date('2025-01-15T00:00:00Z'));
    const signals: RecordedEvent[] = [];
    for await (const e of store.readStream(DEFECT_SIGNAL_STREAM)) signals.push(e);
    expect(signals.length).toBe(appended);
    expect(signals.length).toBeGreaterThan(0);
    expect(new Set(signals.map((s) => s.type))).toEqual(new Set(['DefectRateRising']));
    const first = signals[0].data as Record<string, number | string>;
    expect(first).toMatchObject({
      sku: 'TV-1',
      defectCode: 'E1',
      month: '2024-09',
      occurredAt: '2024-10-01T00:00:00.000Z',
      threshold: 7,
      rateRatio: 2,
      referenceWindow: { from: '2023-01', to: '2024-05' },
    });
    expect(first.observed as number).toBeGreaterThan(2 * (first.expected as number));
    expect(first.statistic as number).toBeGreaterThanOrEqual(7);
    expect(signals.every((s) => (s.data as { defectCode: string }).defectCode === 'E1')).toBe(true);
    // The rise is LOT-B's: the SKU's alarms name it (with its evidence), and LOT-B's own
    // alarms are signalled unless the SKU's signal of the same month named it; never LOT-A.
    const data = signals.map((s) => s.data as { scope: string; supplierBatch?: string });
    expect(new Set(data.map((d) => d.supplierBatch ?? 'none'))).toEqual(new Set(['LOT-B']));
    expect(first).toMatchObject({ scope: 'sku', batch: { supplierBatch: 'LOT-B', to: '2024-09' } });
    // A second sweep finds nothing new.
    expect(await processor.sweep(new Date('2025-01-20T00:00:00Z'))).toBe(0);
  });
});
