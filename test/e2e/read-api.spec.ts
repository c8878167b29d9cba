import 'reflect-metadata';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { type INestApplication, Global, Module, ValidationPipe } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import {
  type AftercareEvent,
  customerStreamId,
  schemaVersionOf,
  warrantyClaimStreamId,
} from '@aftercare/domain';
import { CustomerScoreIndexer, EVENT_STORE } from '@aftercare/application';
import { SqliteEventStore } from '@aftercare/event-store/sqlite';
import {
  clvModelStreamId,
  CLV_MODEL_FITTED,
  type ClvModelFittedData,
  projections,
} from '@aftercare/projections';
import { rebuildProjections, SqliteReadModelStore } from '@aftercare/read-models';
import {
  claimDecided,
  claimFiled,
  complaint,
  CUSTOMER,
  feedback,
  purchase,
  registered,
} from '../../libs/projections/src/journey.fixtures';
import { ReadApiModule } from '../../apps/api/src/read/read-api.module';
import { ProblemDetailsFilter } from '../../apps/api/src/problem/problem-details.filter';

/**
 * The read API over a real SQLite store: a journey is appended, the projections are built, and
 * the endpoints answer now, as of a business date, and as known at a record time (around a
 * late-arriving complaint).
 */
describe('read API', () => {
  let dir: string;
  let store: SqliteEventStore;
  let readModels: SqliteReadModelStore;
  let app: INestApplication;
  let knownBeforeLateComplaint: string;
  const NOW = new Date('2024-07-01T00:00:00Z');

  const append = async (streamId: string, events: AftercareEvent[]): Promise<void> => {
    await store.appendToStream(
      streamId,
      events.map((e) => ({
        id: randomUUID(),
        type: e.type,
        data: e.data,
        metadata: { schemaVersion: schemaVersionOf(e.type) },
      })),
    );
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-read-'));
    const path = join(dir, 'store.db');
    store = SqliteEventStore.open({ path });
    readModels = SqliteReadModelStore.open({ path });

    await append(customerStreamId(CUSTOMER), [
      registered('2024-01-01T10:00:00Z'),
      purchase('p1', '2024-01-10T10:00:00Z', 100),
      purchase('p2', '2024-02-10T10:00:00Z', 80),
      purchase('p3', '2024-04-10T10:00:00Z', 120),
      feedback('2024-04-20T10:00:00Z', { nps: 10, csat: 5 }),
    ]);
    await append(warrantyClaimStreamId('w1'), [
      claimFiled('w1', 'p1', '2024-05-01T10:00:00Z'),
      claimDecided('w1', 'p1', '2024-05-01T10:05:00Z', 'rejected', 0),
    ]);
    const fit: ClvModelFittedData = {
      fitId: 'fit-1',
      occurredAt: '2024-06-01T00:00:00Z',
      window: { from: '2024-01-01', to: '2024-05-31' },
      currency: 'EUR',
      timeUnit: 'weeks',
      customers: 1,
      customersWithRepeatPurchases: 1,
      bgNbd: {
        params: { r: 0.24, alpha: 4.41, a: 0.79, b: 2.43 },
        logLikelihood: -9582,
        converged: true,
        iterations: 100,
      },
      gammaGamma: {
        params: { p: 6.25, q: 3.74, gamma: 15.44 },
        logLikelihood: -4000,
        customers: 1,
        converged: true,
      },
      horizonWeeks: 52,
      annualDiscountRate: 0.1,
    };
    await store.appendToStream(clvModelStreamId('fit-1'), [
      { id: randomUUID(), type: CLV_MODEL_FITTED, data: fit, metadata: { schemaVersion: 1 } },
    ]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    knownBeforeLateComplaint = new Date().toISOString();
    await new Promise((resolve) => setTimeout(resolve, 20));
    // Recorded late: it happened in March.
    await append(customerStreamId(CUSTOMER), [
      complaint('c1', '2024-03-01T10:00:00Z', 'high', 'p2'),
    ]);

    await rebuildProjections({ store, readModels, projections, owner: 'test' });
    // The list answers from the score index, which the projection runtime keeps: build it.
    const indexer = new CustomerScoreIndexer(store, readModels, { run: false }, undefined, {
      clock: () => NOW,
    });
    while (await indexer.step());

    @Global()
    @Module({ providers: [{ provide: EVENT_STORE, useValue: store }], exports: [EVENT_STORE] })
    class TestStoreModule {}

    const moduleRef = await Test.createTestingModule({
      imports: [
        TestStoreModule,
        ReadApiModule.register({ readModels: { useValue: readModels }, clock: () => NOW }),
      ],
    }).compile();
    app = moduleRef.createNestApplication(new FastifyAdapter(), { logger: false });
    app.useGlobalPipes(new ValidationPipe({ whitelist: true, transform: true }));
    // The API's one exception filter, as bootstrap installs it: bad cursors and filters are 400s.
    app.useGlobalFilters(new ProblemDetailsFilter());
    await app.init();
    await (app.getHttpAdapter().getInstance() as FastifyInstance).ready();
  });

  afterAll(async () => {
    await app?.close();
    await readModels?.close();
    await store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the customer now with satisfaction, churn risk and CLV from the recorded fit', async () => {
    const res = await request(app.getHttpServer()).get(`/v1/customers/${CUSTOMER}`).expect(200);
    expect(res.body.purchases.count).toBe(3);
    expect(res.body.contact).toEqual({ name: 'Ada Lovelace', email: 'ada@example.com' });
    expect(res.body.satisfaction.state).toBe('dissatisfied');
    expect(res.body.satisfaction.reasons[0]).toContain('open high delivery complaint c1');
    expect(res.body.churnRisk.band).toMatch(/low|medium|high/);
    const names = res.body.churnRisk.factors.map((f: { name: string }) => f.name);
    expect(names).toContain('warrantyRejections');
    expect(res.body.clv).toMatchObject({
      currency: 'EUR',
      horizonWeeks: 52,
      realizedNetValue: 300,
    });
    expect(res.body.clv.fit).toMatchObject({ id: 'fit-1', fittedAt: '2024-06-01T00:00:00Z' });
    expect(res.body.openClaims).toEqual([]);
  });

  it('as of a business date, folds only what had happened by then (and no later fit)', async () => {
    const res = await request(app.getHttpServer())
      .get(`/v1/customers/${CUSTOMER}?asOf=2024-03-15`)
      .expect(200);
    expect(res.body.purchases.count).toBe(2);
    expect(res.body.openComplaints.map((c: { complaintId: string }) => c.complaintId)).toEqual([
      'c1',
    ]);
    expect(res.body.clv).toBeNull();
    expect(res.body.unavailable.clv).toContain('no CLV model');
  });

  it('as known before the late complaint was recorded, the complaint is absent', async () => {
    const before = await request(app.getHttpServer())
      .get(`/v1/customers/${CUSTOMER}`)
      .query({ asOf: '2024-06-30T00:00:00Z', knownAt: knownBeforeLateComplaint })
      .expect(200);
    expect(before.body.openComplaints).toEqual([]);
    expect(before.body.satisfaction.state).toBe('delighted');
    const after = await request(app.getHttpServer())
      .get(`/v1/customers/${CUSTOMER}`)
      .query({ asOf: '2024-06-30T00:00:00Z' })
      .expect(200);
    expect(after.body.openComplaints).toHaveLength(1);
  });

  it('pages the timeline in business-time order, with the warranty claim in it', async () => {
    const first = await request(app.getHttpServer())
      .get(`/v1/customers/${CUSTOMER}/timeline?limit=4`)
      .expect(200);
    expect(first.body.items.map((i: { type: string }) => i.type)).toEqual([
      'CustomerRegistered',
      'PurchaseRecorded',
      'PurchaseRecorded',
      'ComplaintFiled',
    ]);
    expect(first.body.items[0].data.pii).toEqual({
      name: 'Ada Lovelace',
      email: 'ada@example.com',
    });
    const second = await request(app.getHttpServer())
      .get(`/v1/customers/${CUSTOMER}/timeline?limit=4&cursor=${first.body.nextCursor}`)
      .expect(200);
    expect(second.body.items.map((i: { type: string }) => i.type)).toEqual([
      'PurchaseRecorded',
      'FeedbackReceived',
      'WarrantyClaimFiled',
      'WarrantyClaimDecided',
    ]);
    expect(second.body.nextCursor).toBeNull();
  });

  it('lists customers for action by churn band, sorted by CLV', async () => {
    const res = await request(app.getHttpServer())
      .get('/v1/customers?sort=clv&limit=10')
      .expect(200);
    expect(res.body.items).toHaveLength(1);
    expect(res.body.items[0]).toMatchObject({ customerId: CUSTOMER, satisfaction: 'dissatisfied' });
    const band = res.body.items[0].churnRisk.band as string;
    const other = band === 'high' ? 'low' : 'high';
    const none = await request(app.getHttpServer())
      .get(`/v1/customers?churnBand=${other}`)
      .expect(200);
    expect(none.body.items).toEqual([]);
    expect(res.body.scores).toMatchObject({
      asOf: NOW.toISOString(),
      state: 'current',
      fits: [{ currency: 'EUR', fitId: 'fit-1' }],
    });
    const atRisk = await request(app.getHttpServer())
      .get(
        '/v1/customers?sort=valueAtRisk&country=DE&product=appliance&lastInteractionAfter=2024-05-01',
      )
      .expect(200);
    const [item] = atRisk.body.items;
    expect(item.valueAtRisk).toEqual({
      amount: Math.round(item.churnRisk.probability * item.clv.clv * 100) / 100,
      currency: 'EUR',
    });
    for (const query of ['country=FR', 'product=phone', 'lastInteractionBefore=2024-05-01']) {
      const empty = await request(app.getHttpServer()).get(`/v1/customers?${query}`).expect(200);
      expect(empty.body.items).toEqual([]);
    }
  });

  it('answers the population analytics', async () => {
    const server = app.getHttpServer();
    const nps = await request(server).get('/v1/analytics/nps-by-month').expect(200);
    expect(nps.body.months).toEqual([
      { month: '2024-04', responses: 1, promoters: 1, passives: 0, detractors: 0, nps: 100 },
    ]);
    const complaints = await request(server).get('/v1/analytics/complaints-by-sku').expect(200);
    expect(complaints.body.skus[0]).toMatchObject({ sku: 'WASHER-1', unitsSold: 3, complaints: 1 });
    const cost = await request(server).get('/v1/analytics/warranty-cost-by-product').expect(200);
    expect(cost.body.products[0]).toMatchObject({ productCategory: 'appliance', rejected: 1 });
    const cohorts = await request(server).get('/v1/analytics/cohort-retention').expect(200);
    expect(cohorts.body.cohorts[0]).toMatchObject({ cohort: '2024-01', customers: 1 });
    await request(server).get('/v1/analytics/csat-by-month').expect(200);
    await request(server).get('/v1/analytics/repairs-by-sku').expect(200);
  });

  it('lists the complaints past their targets across customers, in keyset pages', async () => {
    const server = app.getHttpServer();
    const res = await request(server).get('/v1/complaints/breaching?limit=1').expect(200);
    expect(res.body).toEqual({
      now: NOW.toISOString(),
      items: [
        {
          complaintId: 'c1',
          customerId: CUSTOMER,
          purchaseId: 'p2',
          category: 'delivery',
          severity: 'high',
          filedAt: '2024-03-01T10:00:00Z',
          acknowledgedAt: null,
          acknowledgeBy: '2024-03-02T10:00:00.000Z',
          resolveBy: '2024-03-11T10:00:00.000Z',
          breached: ['acknowledgement', 'resolution'],
        },
      ],
      nextCursor: null,
    });
    await request(server).get('/v1/complaints/breaching?cursor=bm90LWEtY3Vyc29y').expect(400);
    await request(server).get('/v1/complaints/breaching?limit=0').expect(400);
  });

  it('refuses an unknown customer (404) and bad dates or paging (400)', async () => {
    const server = app.getHttpServer();
    await request(server).get('/v1/customers/nobody').expect(404);
    await request(server).get(`/v1/customers/${CUSTOMER}?asOf=yesterday`).expect(400);
    await request(server).get(`/v1/customers/${CUSTOMER}?knownAt=2024-13-01`).expect(400);
    await request(server).get(`/v1/customers/${CUSTOMER}/timeline?limit=0`).expect(400);
    await request(server).get('/v1/customers?churnBand=extreme').expect(400);
    await request(server).get('/v1/customers?sort=mood').expect(400);
    await request(server).get('/v1/customers?country=Germany').expect(400);
    await request(server).get('/v1/customers?lastInteractionAfter=soon').expect(400);
    const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    await request(server)
      .get(`/v1/customers?sort=churnRisk&cursor=${cursor([1, 'clv:desc:x'])}`)
      .expect(400);
    // Cursors shaped like the API's own but holding what it never issues.
    for (const forged of [
      [1, 'abc'],
      [1, '1e5'],
      [1.5e308, 'x'],
      ['x', '1'],
      [1, '1', 2],
    ]) {
      await request(server)
        .get(`/v1/customers/${CUSTOMER}/timeline?cursor=${cursor(forged)}`)
        .expect(400);
    }
    for (const forged of [
      [true, 'k'],
      [{}, 'k'],
      [[1, 2], 'k'],
    ]) {
      await request(server)
        .get(`/v1/complaints/breaching?cursor=${cursor(forged)}`)
        .expect(400);
      await request(server)
        .get(`/v1/customers?sort=churnRisk&cursor=${cursor([forged[0], 'churnRisk:desc:k'])}`)
        .expect(400);
    }
    await request(server).get('/v1/analytics/nps-by-month?from=2024-1').expect(400);
  });
});
