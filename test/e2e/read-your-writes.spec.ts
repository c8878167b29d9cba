import type { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EVENT_STORE, MIN_POSITION_WAIT_MS, ReadYourWrites } from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { ProjectionEngine } from '@aftercare/read-models';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';
import {
  describeEachReadModelStore,
  runtimeFixture,
} from '../../libs/read-models/src/testing/read-model-stores';
import {
  appendPurchases,
  tallyProjection,
  type TallyState,
} from '../../libs/read-models/src/testing/runtime-fixtures';
import { registration } from '../support/customers';

jest.setTimeout(90_000);

/**
 * Read your own writes: a write answers the position of its last event (X-Aftercare-Position and
 * `position`), and a read that passes it back (X-Aftercare-Min-Position or ?minPosition=) shows
 * that write, although the read models are projected asynchronously.
 */
describe('read your own writes', () => {
  let dir: string;
  let app: INestApplication;
  let agentKey: string;
  const agent = () => authed(app, agentKey);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-ryw-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    app = await createApiApp({ logger: false });
    await app.init();
    agentKey = await createApiKey(app, 'agent');
    await agent().post('/v1/customers').send(registration('ada')).expect(201);
  });

  afterAll(async () => {
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows every write on the next read that passes its position back', async () => {
    for (let i = 1; i <= 12; i++) {
      const written = await agent()
        .post('/v1/customers/ada/complaints')
        .send({
          complaintId: `c-${i}`,
          category: 'product_defect',
          severity: 'high',
          channel: 'phone',
          remedySought: 'repair',
          occurredAt: `2025-02-${String(i).padStart(2, '0')}T09:00:00Z`,
        })
        .expect(201);
      const position = written.headers['x-aftercare-position'];
      expect(position).toBe(written.body.position);
      const view = await agent()
        .get('/v1/customers/ada')
        .set('X-Aftercare-Min-Position', position)
        .expect(200);
      expect(view.headers['x-aftercare-min-position']).toBe(position);
      expect(view.body.openComplaints.map((c: { complaintId: string }) => c.complaintId)).toContain(
        `c-${i}`,
      );
      expect(view.body.openComplaints).toHaveLength(i);
      const referral = await agent()
        .post('/v1/customers/ada/referrals')
        .send({ referredCustomerId: `friend-${i}`, occurredAt: '2025-03-01T09:00:00Z' })
        .expect(201);
      // The query parameter does the same, here on a view that counts referrals.
      const after = await agent()
        .get(`/v1/customers/ada?minPosition=${referral.headers['x-aftercare-position']}`)
        .expect(200);
      expect(after.body.referrals).toBe(i);
    }
  });

  it("lists a customer's row by what was just recorded, once the score index has it", async () => {
    const analystKey = await createApiKey(app, 'analyst');
    for (const [i, sku] of ['TV-RYW-1', 'TV-RYW-2', 'TV-RYW-3'].entries()) {
      const customerId = `buyer-${i}`;
      await agent().post('/v1/customers').send(registration(customerId)).expect(201);
      const bought = await agent()
        .post(`/v1/customers/${customerId}/purchases`)
        .send({
          purchaseId: `${customerId}-tv`,
          occurredAt: '2025-01-02T10:00:00Z',
          orderId: `order-${customerId}`,
          sku,
          productCategory: 'tv',
          serialNumber: `SN-${customerId}`,
          price: 800,
          currency: 'EUR',
          channel: 'online',
          warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
        })
        .expect(201);
      const list = await authed(app, analystKey)
        .get(`/v1/customers?product=${sku}`)
        .set('X-Aftercare-Min-Position', bought.headers['x-aftercare-position'])
        .expect(200);
      expect(list.body.items.map((item: { customerId: string }) => item.customerId)).toEqual([
        customerId,
      ]);
    }
  });

  it('waits for the read models that follow the write, not for those that never will', async () => {
    // A referral is followed by the profile, not by the warranty decisions: a read of the
    // decision list at its position answers at once, and the list is empty.
    const auditorKey = await createApiKey(app, 'auditor');
    const written = await agent()
      .post('/v1/customers/ada/referrals')
      .send({ referredCustomerId: 'friend-x', occurredAt: '2025-03-02T09:00:00Z' })
      .expect(201);
    const list = await authed(app, auditorKey)
      .get('/v1/warranty-claims')
      .set('X-Aftercare-Min-Position', written.headers['x-aftercare-position'])
      .expect(200);
    expect(list.body.decisions).toEqual([]);
  });

  it('refuses at once a position no write was given (beyond the head), and one that is no position', async () => {
    const head = (await app.get<EventStore>(EVENT_STORE).headPosition()) ?? 0n;
    const started = Date.now();
    const beyond = await agent()
      .get('/v1/customers/ada')
      .set('X-Aftercare-Min-Position', String(head + 1000n))
      .expect(400);
    // Not held for the 5 s a read model late would be given: nothing can bring that position.
    expect(Date.now() - started).toBeLessThan(MIN_POSITION_WAIT_MS);
    expect(beyond.headers['content-type']).toMatch(/application\/problem\+json/);
    expect(beyond.body).toMatchObject({
      status: 400,
      code: 'validation_error',
      errors: [
        {
          field: 'X-Aftercare-Min-Position',
          messages: [expect.stringContaining(`beyond the store's head (${head})`)],
        },
      ],
    });
    const byQuery = await agent()
      .get(`/v1/customers/ada?minPosition=${head + 1n}`)
      .expect(400);
    expect(byQuery.body.code).toBe('validation_error');
    const invalid = await agent()
      .get('/v1/customers/ada')
      .set('X-Aftercare-Min-Position', 'latest')
      .expect(400);
    expect(invalid.body).toMatchObject({
      code: 'validation_error',
      errors: [{ field: 'X-Aftercare-Min-Position' }],
    });
    // Without a position a read answers at once, as before.
    await agent().get('/v1/customers/ada').expect(200);
  });
});

/**
 * The same wait where another process runs the projections (a projector beside API instances):
 * the API side has no runner, so it reads the stored checkpoints again with backoff, on both
 * read-model stores (PostgreSQL where one is reachable; always in CI).
 */
describeEachReadModelStore('read your own writes, projections run elsewhere', (stores) => {
  const fixture = runtimeFixture(stores);

  /** The registry's shape in small: one projection of customers, one of warranty claims. */
  const projections = () => [
    tallyProjection(),
    tallyProjection({ name: 'claims', filter: { categories: ['warranty'] } }),
  ];

  async function engine(): Promise<ProjectionEngine> {
    const readModels = await fixture.harness().open();
    const created = new ProjectionEngine({
      store: fixture.store(),
      readModels,
      projections: projections(),
      leaseTtlMs: 300,
      batchWaitMs: 5,
      log: () => undefined,
    });
    fixture.cleanup.push(async () => {
      await created.stop();
      await readModels.close();
    });
    return created;
  }

  it('shows each write once the projector has applied it, and says which read model is behind', async () => {
    const projector = await engine();
    await projector.start();
    const api = await engine();
    const store = fixture.store();
    const reads = new ReadYourWrites(api, store);
    for (let i = 0; i < 10; i++) {
      const [event] = await appendPurchases(store, 1, 3, i);
      const outcome = await reads.waitFor(event.position);
      expect(outcome).toMatchObject({ reached: true, behind: [] });
      const customerId = (event.data as { customerId: string }).customerId;
      const state = await api.readModels.get<TallyState>('tally', customerId);
      expect(state?.state.events).toBe(Math.floor(i / 3) + 1);
    }
    // Above the head of a store whose head covers every acknowledged append: said at once.
    const head = (await store.headPosition()) ?? 0n;
    const started = Date.now();
    const beyond = await reads.waitFor(head + 5n, { timeoutMs: 2_000 });
    expect(beyond).toMatchObject({ reached: false, head, neverWritten: true });
    expect(Date.now() - started).toBeLessThan(2_000);
    // Where reads may lag acknowledged writes (a cluster's follower), the head is waited for.
    const lagging = new Proxy(store, {
      get: (target, key) => {
        if (key === 'headCoversAcknowledged') return undefined;
        const value = Reflect.get(target, key) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const waited = await new ReadYourWrites(api, lagging).waitFor(head + 5n, { timeoutMs: 200 });
    expect(waited).toMatchObject({ reached: false, head });
    expect(waited.neverWritten).toBeUndefined();

    // With the projector stopped, the customer tally stays behind; the claims one follows no
    // customer event, so it is not waited for.
    await projector.stop();
    const [late] = await appendPurchases(store, 1, 3, 10);
    const behind = await reads.waitFor(late.position, { timeoutMs: 300 });
    expect(behind).toMatchObject({ reached: false, behind: ['tally'] });
  });
});
