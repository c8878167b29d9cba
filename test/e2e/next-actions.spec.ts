import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import {
  EVENT_STORE,
  fitNextBestActions,
  type CustomerNextActions,
  type RankedNextActions,
  seedStore,
} from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';

/**
 * The next best actions over the whole app: a seeded world where agents took retention actions
 * (RetentionActionTaken), a fit over the store, and the API answering whom to act on and why.
 */
describe('next best actions (API)', () => {
  let dir: string;
  let app: INestApplication;
  let agentKey: string;
  const agent = () => authed(app, agentKey);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-nba-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    process.env.AFTERCARE_WEBHOOKS = 'off';
    app = await createApiApp({ logger: false });
    await app.init();
    agentKey = await createApiKey(app, 'agent');
    await seedStore(app.get<EventStore>(EVENT_STORE), {
      customers: 300,
      seed: 'nba-e2e',
      from: '2022-01-01',
      to: '2024-07-01',
      organicActions: 0.4,
    });
  }, 120_000);

  afterAll(async () => {
    delete process.env.AFTERCARE_WEBHOOKS;
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('says 409 before any fit, then ranks customers by expected value with the evidence', async () => {
    const before = await agent().get('/v1/next-actions?budget=5');
    expect(before.status).toBe(409);
    expect(before.headers['content-type']).toMatch(/problem\+json/);
    expect(before.body.detail).toMatch(/next-actions fit/);

    const fit = await fitNextBestActions(app.get<EventStore>(EVENT_STORE), {
      now: new Date().toISOString(),
    });
    expect(fit.occurredAt).toBe('2024-06-30T23:59:59.999Z');
    const call = fit.effects.effects.recovery_call;
    expect(call.treated + call.controls).toBeGreaterThan(0);
    expect(call.method).toMatch(/share of the service risk/);
    expect(fit.effects.scale).toBe('share-of-service-risk');

    // The projection picks the fit up; the list is a slice of the ranking it recorded.
    let ranked: RankedNextActions | undefined;
    for (let i = 0; i < 100 && !ranked; i++) {
      const res = await agent().get('/v1/next-actions?budget=5');
      if (res.status === 200) ranked = res.body as RankedNextActions;
      else await new Promise((r) => setTimeout(r, 100));
    }
    expect(ranked?.fit.fitId).toBe(fit.fitId);
    expect(ranked?.items).toEqual(fit.ranking.slice(0, 5));
    const items = ranked?.items ?? [];
    expect(items.length).toBeGreaterThan(0);
    for (let i = 1; i < items.length; i++) {
      expect(items[i - 1].expectedValue).toBeGreaterThanOrEqual(items[i].expectedValue);
    }

    // One customer: every eligible action, each figure with its parts and its evidence.
    const top = items[0];
    const res = await agent()
      .get(`/v1/customers/${top.customerId}/next-actions?at=${fit.occurredAt}`)
      .expect(200);
    const mine = res.body as CustomerNextActions;
    expect(mine.at).toBe(fit.occurredAt);
    expect(mine.actions[0]).toMatchObject({ action: top.action, expectedValue: top.expectedValue });
    for (const a of mine.actions) {
      expect(a.expectedValue).toBeCloseTo(a.deltaStay * a.clv - a.cost, 6);
      expect(a.deltaStay).toBeCloseTo(
        (a.evidence.share?.believed ?? NaN) * (a.evidence.serviceRisk ?? NaN),
        10,
      );
      expect(['history', 'assumption']).toContain(a.evidence.source);
      if (a.evidence.source === 'assumption') expect(a.evidence.note).toMatch(/too thin/);
    }
  }, 120_000);

  it("reads the customer's tasks: no call suggested while one is due, again once it ends unreached", async () => {
    const admin = authed(app, await createApiKey(app, 'admin'));
    const ranked = (await agent().get('/v1/next-actions?budget=1').expect(200))
      .body as RankedNextActions;
    const id = ranked.items[0].customerId;
    const calls = async () =>
      (
        (await agent().get(`/v1/customers/${id}/next-actions`).expect(200))
          .body as CustomerNextActions
      ).actions.filter((a) => a.action === 'recovery_call');
    // A detractor score now: a bad incident, and the playbook's call-back task for it.
    await admin
      .post(`/v1/customers/${id}/feedback`)
      .send({ nps: 1, occurredAt: new Date().toISOString() })
      .expect(201);
    let taskId: string | undefined;
    for (let i = 0; i < 200 && !taskId; i++) {
      const res = await agent().get(`/v1/tasks?customer=${id}&status=open`).expect(200);
      taskId = (res.body as { items: { taskId: string }[] }).items[0]?.taskId;
      if (!taskId) await new Promise((r) => setTimeout(r, 100));
    }
    expect(taskId).toBeDefined();
    expect(await calls()).toEqual([]);
    await agent()
      .post(`/v1/tasks/${String(taskId)}/completion`)
      .send({ outcome: 'no_answer' })
      .expect(201);
    expect(await calls()).toEqual([
      expect.objectContaining({
        action: 'recovery_call',
        reason: expect.stringMatching(/bad incident/),
      }),
    ]);
  }, 60_000);

  it('refuses a bad budget and an unknown customer with problems', async () => {
    for (const budget of ['0', '5000', 'many']) {
      const res = await agent().get(`/v1/next-actions?budget=${budget}`);
      expect(res.status).toBe(400);
      expect(res.headers['content-type']).toMatch(/problem\+json/);
    }
    await agent().get('/v1/next-actions').expect(400);
    const res = await agent().get('/v1/customers/nobody/next-actions');
    expect(res.status).toBe(404);
    await agent().get('/v1/customers/nobody/next-actions?at=yesterday').expect(400);
  });

  it('is not for auditors', async () => {
    const auditor = await createApiKey(app, 'auditor');
    await authed(app, auditor).get('/v1/next-actions?budget=1').expect(403);
  });
});
