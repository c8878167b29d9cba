import { mkdtempSync, rmSync } from 'node:fs';
import { get } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { EVENT_STORE, fitNextBestActions } from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, bearer, createApiKey } from '../support/auth';
import { operations, resolve, ResponseValidator, type OpenApiDocument } from '../support/openapi';

const DAY = 86_400_000;

/**
 * The served OpenAPI document is the contract: every route documents a response schema and its
 * problems, and what the API answers to a representative request per route (success and error)
 * validates against the document's schema for that status and media type.
 */
describe('OpenAPI document (served at /docs-json)', () => {
  let dir: string;
  let app: INestApplication;
  let spec: OpenApiDocument;
  let validator: ResponseValidator;
  const failures: string[] = [];
  const exercised = new Set<string>();
  let adminKey: string;
  const http = () => authed(app, adminKey);
  const at = (daysAgo: number) => new Date(Date.now() - daysAgo * DAY).toISOString();

  /** Sends a request to a route (given as its template) and checks the answer against the spec. */
  const call = async (
    method: 'get' | 'post' | 'delete',
    template: string,
    params: Record<string, string> = {},
    body?: object,
    expectStatus?: number,
    query = '',
  ): Promise<Record<string, unknown>> => {
    const url = template.replace(/\{(\w+)\}/g, (_, name: string) => params[name]) + query;
    const test = http()[method](url);
    const res = body === undefined ? await test : await test.send(body);
    if (expectStatus !== undefined && res.status !== expectStatus) {
      failures.push(
        `${method.toUpperCase()} ${url}: expected ${expectStatus}, got ${res.status} ${JSON.stringify(res.body)}`,
      );
    }
    exercised.add(`${method} ${template}`);
    failures.push(
      ...validator.problems(method, template, {
        status: res.status,
        headers: res.headers as Record<string, string>,
        body: res.body,
      }),
    );
    return res.body as Record<string, unknown>;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-openapi-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    process.env.AFTERCARE_WEBHOOKS = 'off';
    app = await createApiApp({ logger: false });
    await app.init();
    adminKey = await createApiKey(app);
    spec = (await http().get('/docs-json').expect(200)).body as OpenApiDocument;
    validator = new ResponseValidator(spec);
  });

  afterAll(async () => {
    delete process.env.AFTERCARE_WEBHOOKS;
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('documents a response schema for every route and problem+json for every error', () => {
    const missing: string[] = [];
    for (const { method, path, operation } of operations(spec)) {
      const name = `${method.toUpperCase()} ${path}`;
      const statuses = Object.keys(operation.responses);
      const success = statuses.filter((s) => s.startsWith('2'));
      if (success.length === 0) missing.push(`${name}: no success response`);
      for (const status of success) {
        const content = operation.responses[status].content;
        if (status !== '204' && !Object.values(content ?? {}).some((c) => c.schema)) {
          missing.push(`${name} ${status}: no schema`);
        }
      }
      const errors = statuses.filter((s) => /^[45]/.test(s));
      if (!errors.includes('500')) missing.push(`${name}: 500 not documented`);
      for (const status of errors) {
        const content = operation.responses[status].content;
        // Errors are problem+json; a route may document its own body instead (health's 503).
        const schema =
          content?.['application/problem+json']?.schema ?? content?.['application/json']?.schema;
        if (resolve(spec, schema).properties === undefined) {
          missing.push(`${name} ${status}: not documented as problem+json`);
        }
      }
    }
    expect(missing).toEqual([]);
    const problem = resolve(spec, { $ref: '#/components/schemas/ProblemDetailsDto' });
    expect(problem.required).toEqual(
      expect.arrayContaining(['type', 'title', 'status', 'detail', 'code']),
    );
  });

  it("validates the API's answers to a request per route against the document", async () => {
    const ada = { customerId: 'ada' };
    await call(
      'post',
      '/v1/warranty-policies',
      {},
      {
        policyId: 'standard',
        name: 'Standard warranty',
        effectiveFrom: '2024-01-01T00:00:00Z',
        occurredAt: at(400),
        terms: {
          coverageMonths: { default: 12, byCategory: { tv: 24 } },
          exclusions: ['accidental_damage', 'misuse'],
          requireProofOfPurchase: true,
          repeatClaimThreshold: 2,
          remedyRules: [],
          defaultRemedy: 'repair',
          maxCoveredAmountRatio: 1,
        },
      },
      201,
    );
    for (const customerId of ['ada', 'bob']) {
      await call(
        'post',
        '/v1/customers',
        {},
        {
          customerId,
          pii: { name: 'Ada Lovelace', email: `${customerId}@example.com` },
          jurisdiction: 'EU',
          countryCode: 'DE',
          segment: 'consumer',
          signupChannel: 'online',
          occurredAt: at(60),
        },
        201,
      );
    }
    const purchase = (purchaseId: string, serialNumber: string) => ({
      purchaseId,
      orderId: `o-${purchaseId}`,
      sku: 'TV-55-OLED',
      productCategory: 'tv',
      serialNumber,
      price: 899,
      currency: 'EUR',
      channel: 'online',
      warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      occurredAt: at(50),
    });
    const p = '/v1/customers/{customerId}';
    await call('post', `${p}/purchases`, ada, purchase('tv-1', 'SN-1'), 201);
    await call('post', `${p}/purchases`, ada, purchase('tv-2', 'SN-2'), 201);
    await call(
      'post',
      `${p}/deliveries`,
      ada,
      {
        deliveryId: 'd-1',
        purchaseId: 'tv-1',
        promisedFrom: at(49),
        promisedTo: at(48),
        occurredAt: at(50),
      },
      201,
    );
    await call(
      'post',
      `${p}/deliveries/{deliveryId}/completion`,
      { ...ada, deliveryId: 'd-1' },
      {
        occurredAt: at(48),
      },
      201,
    );
    await call(
      'post',
      `${p}/setups`,
      ada,
      {
        purchaseId: 'tv-1',
        outcome: 'failed',
        reason: 'No signal on HDMI 2',
        occurredAt: at(47),
      },
      201,
    );
    await call(
      'post',
      `${p}/complaints`,
      ada,
      {
        complaintId: 'k-1',
        purchaseId: 'tv-1',
        category: 'installation',
        severity: 'medium',
        channel: 'phone',
        remedySought: 'repair',
        occurredAt: at(46),
      },
      201,
    );
    const k1 = { ...ada, complaintId: 'k-1' };
    await call(
      'post',
      `${p}/complaints/{complaintId}/acknowledgement`,
      k1,
      {
        agentId: 'agent-7',
        occurredAt: at(46),
      },
      201,
    );
    await call(
      'post',
      `${p}/complaints/{complaintId}/escalation`,
      k1,
      {
        reason: 'Second visit needed',
        occurredAt: at(45),
      },
      201,
    );
    await call(
      'post',
      `${p}/complaints/{complaintId}/resolution`,
      k1,
      {
        resolution: 'Board replaced',
        remedyGiven: 'repair',
        occurredAt: at(44),
      },
      201,
    );
    await call(
      'post',
      `${p}/complaints/{complaintId}/reopening`,
      k1,
      {
        reason: 'Failed again',
        occurredAt: at(43),
      },
      201,
    );
    await call(
      'post',
      `${p}/repairs`,
      ada,
      {
        purchaseId: 'tv-1',
        serialNumber: 'SN-1',
        paidBy: 'warranty',
        cost: 80,
        defectCode: 'HDMI',
        occurredAt: at(42),
      },
      201,
    );
    await call(
      'post',
      `${p}/returns`,
      ada,
      {
        returnId: 'r-1',
        purchaseId: 'tv-2',
        reason: 'Changed my mind',
        occurredAt: at(41),
      },
      201,
    );
    await call(
      'post',
      `${p}/returns/{returnId}/completion`,
      { ...ada, returnId: 'r-1' },
      {
        outcome: 'refund',
        refundAmount: 899,
        occurredAt: at(40),
      },
      201,
    );
    await call('post', `${p}/feedback`, ada, { nps: 6, csat: 3, ces: 5, occurredAt: at(39) }, 201);
    await call(
      'post',
      `${p}/referrals`,
      ada,
      { referredCustomerId: 'bob', occurredAt: at(38) },
      201,
    );
    await call(
      'post',
      `${p}/retention-actions`,
      ada,
      { action: 'review_request', cost: 0, currency: 'EUR', occurredAt: at(38) },
      201,
    );
    await call(
      'post',
      `${p}/maintenance-plans`,
      ada,
      {
        planId: 'plan-1',
        price: 9.99,
        currency: 'EUR',
        billingPeriod: 'monthly',
        occurredAt: at(37),
      },
      201,
    );
    await call(
      'post',
      `${p}/maintenance-plans/{planId}/cancellation`,
      { ...ada, planId: 'plan-1' },
      {
        occurredAt: at(36),
      },
      201,
    );

    const claim = (claimId: string, cause: string) => ({
      claimId,
      customerId: 'ada',
      purchaseId: 'tv-1',
      defect: { code: 'NO-POWER', description: 'Does not turn on' },
      symptom: 'Does not turn on',
      suspectedCause: cause,
      evidence: { proofOfPurchase: true },
      noticedAt: at(31),
      occurredAt: at(30),
    });
    await call('post', '/v1/warranty-claims', {}, claim('w-1', 'manufacturing'), 201);
    await call(
      'post',
      '/v1/warranty-claims/{claimId}/fulfilment',
      { claimId: 'w-1' },
      {
        reference: 'repair-1',
        occurredAt: at(29),
      },
    );
    await call('post', '/v1/warranty-claims', {}, claim('w-2', 'misuse'), 201);
    await call(
      'post',
      '/v1/warranty-claims/{claimId}/assessment',
      { claimId: 'w-2' },
      { cause: 'misuse', assessedBy: 'tech-1', method: 'inspection', occurredAt: at(29) },
      201,
    );
    await call('post', '/v1/warranty-claims', {}, claim('w-3', 'manufacturing'), 201);
    await call(
      'post',
      '/v1/warranty-claims/{claimId}/remedy-refusal',
      { claimId: 'w-3' },
      {
        remedy: 'repair',
        ground: 'impossible',
        reason: 'Part no longer made',
        refusedBy: 'store-1',
        occurredAt: at(29),
      },
      201,
    );
    await call(
      'post',
      '/v1/warranty-claims/{claimId}/override',
      { claimId: 'w-2' },
      {
        agentId: 'agent-7',
        justification: 'Goodwill for a loyal customer',
        outcome: 'approved',
        remedy: 'repair',
        coveredAmount: 100,
        occurredAt: at(28),
      },
    );

    await call('get', '/v1/customers', {}, undefined, 200, '?limit=5');
    await call('get', '/v1/customers/{id}', { id: 'ada' }, undefined, 200);
    await call(
      'get',
      '/v1/customers/{id}',
      { id: 'ada' },
      undefined,
      200,
      `?asOf=${at(45).slice(0, 10)}`,
    );
    await call('get', '/v1/customers/{id}/timeline', { id: 'ada' }, undefined, 200, '?limit=5');
    await call('get', '/v1/complaints/breaching', {}, undefined, 200);
    for (const report of [
      'nps-by-month',
      'csat-by-month',
      'complaints-by-sku',
      'repairs-by-sku',
      'warranty-cost-by-product',
      'cohort-retention',
      'defects',
      'churn-bands',
      'clv-distribution',
    ]) {
      await call('get', `/v1/analytics/${report}`, {}, undefined, 200);
    }
    // Next best actions: a problem before any fit, then the fit's figures.
    await call('get', '/v1/next-actions', {}, undefined, 409, '?budget=3');
    await call('get', '/v1/customers/{id}/next-actions', { id: 'ada' }, undefined, 409);
    await fitNextBestActions(app.get<EventStore>(EVENT_STORE), { now: new Date().toISOString() });
    for (let i = 0; i < 100; i++) {
      if ((await http().get('/v1/next-actions?budget=3')).status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await call('get', '/v1/next-actions', {}, undefined, 200, '?budget=3');
    await call('get', '/v1/next-actions', {}, undefined, 400, '?budget=0');
    await call('get', '/v1/customers/{id}/next-actions', { id: 'ada' }, undefined, 200);
    await call('get', '/v1/customers/{id}/next-actions', { id: 'nobody' }, undefined, 404);
    await call('get', '/v1/warranty-claims', {}, undefined, 200);
    // Ready once this instance has claimed its projections: the health snapshot is refreshed
    // every second, and the calls above may all come within the first.
    for (let i = 0; i < 50; i++) {
      if ((await http().get('/health/ready')).status === 200) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await call('get', '/health', {}, undefined, 200);
    await call('get', '/health/live', {}, undefined, 200);
    await call('get', '/health/ready', {}, undefined, 200);
    await call('get', '/v1/warranty-claims/{claimId}/audit', { claimId: 'w-1' }, undefined, 200);
    await call('get', '/v1/warranty-policies', {}, undefined, 200);
    await call('get', '/v1/warranty-policies/{policyId}', { policyId: 'standard' }, undefined, 200);
    await call('get', '/v1/warranty-policies/{policyId}', { policyId: 'none' }, undefined, 404);
    await call(
      'get',
      '/v1/audit/engine-replay',
      {},
      undefined,
      200,
      `?from=2020-01-01&to=${at(0).slice(0, 10)}`,
    );
    await call('get', '/v1/audit/engine-replay', {}, undefined, 400, '?from=2020-01-01');
    const replay = '/v1/audit/policy-replay';
    await call('get', replay, {}, undefined, 200, '?policyId=standard&version=1&from=2020-01-01');
    await call('get', replay, {}, undefined, 404, '?policyId=standard&version=99');
    await call('get', replay, {}, undefined, 400, '?policyId=standard&version=0');
    await call('get', '/v1/session', {}, undefined, 200);

    const hook = await call(
      'post',
      '/v1/subscriptions',
      {},
      {
        url: 'https://crm.example.com/hooks/aftercare',
        secret: 'a-shared-secret-of-16+',
        categories: ['customer'],
      },
      201,
    );
    const id = { id: String(hook.subscriptionId) };
    await call('get', '/v1/subscriptions', {}, undefined, 200);
    await call('get', '/v1/subscriptions/{id}', id, undefined, 200);
    await call('get', '/v1/subscriptions/{id}/deliveries', id, undefined, 200);
    await call('post', '/v1/subscriptions/{id}/replay', id);
    await call('delete', '/v1/subscriptions/{id}', id, undefined, 204);

    const key = { 'Idempotency-Key': 'fb-42' };
    await http().post('/v1/customers/ada/feedback').set(key).send({ nps: 9 }).expect(201);
    const reused = await http().post('/v1/customers/ada/feedback').set(key).send({ nps: 3 });
    expect(reused.status).toBe(422);
    failures.push(...validator.problems('post', `${p}/feedback`, reused as never));

    // Follow-ups: playbooks, tasks and promises.
    await call(
      'post',
      '/v1/playbooks',
      {},
      {
        playbookId: 'openapi-check',
        name: 'Call after a repair',
        trigger: 'warranty_repair_completed',
        steps: [
          {
            kind: 'repair_check',
            dueAfterHours: 24,
            assignee: 'queue',
            queue: 'customer-care',
            title: 'Check the repair',
          },
        ],
      },
      201,
    );
    await call('get', '/v1/playbooks', {}, undefined, 200);
    await call(
      'get',
      '/v1/playbooks/{playbookId}',
      { playbookId: 'openapi-check' },
      undefined,
      200,
    );
    await call('get', '/v1/tasks', {}, undefined, 200, '?status=open&queue=customer-care');
    await call('get', '/v1/tasks/{taskId}', { taskId: 'nobody' }, undefined, 404);
    await call(
      'post',
      '/v1/tasks/{taskId}/completion',
      { taskId: 'nobody' },
      { outcome: 'reached' },
      404,
    );
    await call(
      'post',
      `${p}/promises`,
      ada,
      { promiseId: 'pr-1', text: 'Call back Friday', dueAt: at(-2), queue: 'customer-care' },
      201,
    );
    await call(
      'post',
      '/v1/promises/{promiseId}/fulfilment',
      { promiseId: 'pr-1' },
      { kept: true },
      201,
    );
    await call('get', '/v1/promises', {}, undefined, 200, '?customer=ada');
    await call('get', '/v1/analytics/promise-kept-rate', {}, undefined, 200, '?by=queue');
    await call('post', `${p}/pii-erasure`, ada, { reason: 'Customer asked' }, 201);
    await call('delete', `${p}/pii-erasure`, { customerId: 'bob' }, { reason: 'Asked' }, 200);

    // Problems: each documented for its route and valid against ProblemDetails.
    await call('post', `${p}/feedback`, ada, { nps: 11 }, 400);
    await call('post', `${p}/feedback`, { customerId: 'nobody' }, { nps: 9 }, 404);
    await call(
      'post',
      `${p}/returns`,
      ada,
      {
        purchaseId: 'tv-1',
        reason: 'Too late',
        occurredAt: at(1),
      },
      409,
    );
    await call('post', `${p}/feedback`, ada, { nps: 9, comment: 'x'.repeat(300_000) }, 413);
    await call('get', '/v1/customers/{id}', { id: 'nobody' }, undefined, 404);
    await call('get', '/v1/customers', {}, undefined, 400, '?limit=0');
    await call('get', '/v1/subscriptions/{id}', { id: 'not-a-uuid' }, undefined, 400);
    await call('get', '/v1/warranty-claims/{claimId}/audit', { claimId: 'nobody' }, undefined, 404);
    await call('get', '/v1/events/stream', {}, undefined, 400, '?from=yesterday');
    // The reads above were recorded; the admin's view of them.
    const log = await call('get', '/v1/access-log', {}, undefined, 200, '?action=customer.view');
    expect((log.entries as unknown[]).length).toBeGreaterThan(0);
    await call('get', '/v1/access-log', {}, undefined, 400, '?limit=0');
    const plain = await http()
      .post('/v1/customers/ada/feedback')
      .set('Content-Type', 'text/plain')
      .send('{"nps":9}');
    failures.push(...validator.problems('post', `${p}/feedback`, plain as never));
    expect(plain.status).toBe(415);
    // SSE: the documented media type, on a connection cut once the headers are in.
    const server = app.getHttpServer() as { address(): AddressInfo | string | null };
    if (server.address() === null) await app.listen(0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const sse = await new Promise<{ status: number; headers: Record<string, string> }>(
      (done, fail) => {
        const url = `http://127.0.0.1:${port}/v1/events/stream?from=end`;
        const req = get(url, { headers: bearer(adminKey) }, (res) => {
          done({ status: res.statusCode ?? 0, headers: res.headers as Record<string, string> });
          req.destroy();
        });
        req.on('error', fail);
      },
    );
    failures.push(...validator.problems('get', '/v1/events/stream', { ...sse, body: '' }));
    exercised.add('get /v1/events/stream');

    expect(failures).toEqual([]);
    const all = operations(spec).map(({ method, path }) => `${method} ${path}`);
    expect(all.filter((name) => !exercised.has(name))).toEqual([]);
  }, 120_000);
});
