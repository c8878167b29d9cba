import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { EVENT_STORE } from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';
import { registration } from '../support/customers';

/** An API on a fresh SQLite file with the given settings; the environment is restored after. */
async function startApi(env: Record<string, string> = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'aftercare-hardening-'));
  const saved = { ...process.env };
  Object.assign(process.env, {
    AFTERCARE_STORE: 'sqlite',
    AFTERCARE_SQLITE_PATH: join(dir, 'events.db'),
    AFTERCARE_SIGNALS: 'off',
    ...env,
  });
  try {
    const app = await createApiApp({ logger: false });
    await app.init();
    return {
      app,
      adminKey: await createApiKey(app),
      store: app.get<EventStore>(EVENT_STORE),
      close: async () => {
        await app.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } finally {
    process.env = saved;
  }
}

const customer = registration;

const policy = {
  policyId: 'standard',
  effectiveFrom: '2024-01-01T00:00:00Z',
  occurredAt: '2024-01-01T00:00:00Z',
  name: 'Standard warranty',
  terms: {
    coverageMonths: { default: 12, byCategory: { tv: 24 } },
    exclusions: ['misuse'],
    requireProofOfPurchase: true,
    repeatClaimThreshold: 2,
    remedyRules: [],
    defaultRemedy: 'repair',
    maxCoveredAmountRatio: 1,
  },
};

describe('HTTP hardening (default settings)', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  let app: INestApplication;
  const http = () => authed(app, api.adminKey);
  const expectProblem = (res: request.Response, status: number) => {
    expect({ status: res.status, type: res.headers['content-type'] }).toEqual({
      status,
      type: expect.stringMatching(/^application\/problem\+json/),
    });
    expect(res.body).toMatchObject({ status, type: expect.any(String), title: expect.any(String) });
  };
  /** Sends a raw JSON text and asserts a 400 that wrote nothing. */
  const refused = async (path: string, text: string) => {
    const before = await api.store.headPosition();
    const res = await http().post(path).set('Content-Type', 'application/json').send(text);
    expectProblem(res, 400);
    expect(await api.store.headPosition()).toBe(before);
    return res.body as { errors?: { field: string; messages: string[] }[] };
  };

  beforeAll(async () => {
    api = await startApi();
    app = api.app;
    await http().post('/v1/customers').send(customer('ada')).expect(201);
  });
  afterAll(() => api?.close());

  it('sends security headers and no X-Powered-By', async () => {
    const res = await http().get('/v1/customers/ada');
    expect(res.headers['x-powered-by']).toBeUndefined();
    expect(res.headers).toMatchObject({
      'x-content-type-options': 'nosniff',
      'x-frame-options': 'SAMEORIGIN',
      'strict-transport-security': expect.stringMatching(/max-age=/),
      'content-security-policy': expect.stringMatching(/default-src 'self'/),
    });
  });

  it('answers a body over 256 kB with 413 problem+json', async () => {
    const res = await http()
      .post('/v1/customers')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...customer('big'), pii: { name: 'x'.repeat(270_000) } }));
    expectProblem(res, 413);
    expect(res.body.code).toBe('payload_too_large');
  });

  it('refuses writes that are not application/json with 415 (erasure by text/plain included)', async () => {
    const before = await api.store.headPosition();
    const plain = await http()
      .post('/v1/customers/ada/pii-erasure')
      .set('Content-Type', 'text/plain')
      .send('{"reason":"cross-site"}');
    expectProblem(plain, 415);
    const form = await http().post('/v1/customers/ada/feedback').type('form').send({ nps: '9' });
    expectProblem(form, 415);
    expect(await api.store.headPosition()).toBe(before);
    // A JSON body with a charset parameter is JSON.
    await http()
      .post('/v1/customers/ada/feedback')
      .set('Content-Type', 'application/json; charset=utf-8')
      .send(JSON.stringify({ nps: 9, occurredAt: '2025-01-02T00:00:00Z' }))
      .expect(201);
  });

  it('refuses prototype keys and malformed JSON with 400 problem+json, writing nothing', async () => {
    for (const text of [
      '{"nps":9,"__proto__":{"admin":true}}',
      '{"nps":9,"constructor":{"prototype":{"admin":true}}}',
      '{"nps":9,',
    ]) {
      await refused('/v1/customers/ada/feedback', text);
    }
    expect(({} as Record<string, unknown>).admin).toBeUndefined();
  });

  it('refuses a field or filter it does not know by name instead of dropping it', async () => {
    const body = await refused('/v1/customers/ada/feedback', '{"nps":9,"coment":"Great"}');
    expect(body.errors).toEqual([
      { field: 'coment', messages: [expect.stringContaining('should not exist')] },
    ]);
    const list = await http().get('/v1/customers?churnBnd=high');
    expectProblem(list, 400);
    // The read-your-writes position is every read model route's own parameter.
    await http().get('/v1/customers?churnBand=high&minPosition=1').expect(200);
  });

  it('refuses a NUL character (which PostgreSQL cannot store) in a body, a query or a path, naming it', async () => {
    const body = await refused(
      '/v1/customers/ada/purchases',
      JSON.stringify({
        orderId: 'o',
        sku: 'TV\u0000',
        productCategory: 'tv',
        price: 10,
        currency: 'EUR',
        channel: 'online',
        warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      }),
    );
    expect(body.errors?.map((e) => e.field)).toEqual(['sku']);
    for (const [path, field] of [
      ['/v1/customers?product=TV%00', 'product'],
      ['/v1/access-log?subject=ada%00', 'subject'],
      ['/v1/events/stream?customerId=ada%00', 'customerId'],
      ['/v1/customers/ada%00', 'id'],
      ['/v1/warranty-claims/w%00/audit', 'claimId'],
    ]) {
      const res = await http().get(path);
      expectProblem(res, 400);
      expect(res.body.errors).toEqual([
        { field, messages: [`${field} holds a NUL character (%00)`] },
      ]);
    }
    const before = await api.store.headPosition();
    expectProblem(await http().post('/v1/customers/ada%00/feedback').send({ nps: 9 }), 400);
    expect(await api.store.headPosition()).toBe(before);
  });

  it('takes ids and names like constructor or __proto__ as any other: no 500, and nothing written for what does not exist', async () => {
    await http()
      .post('/v1/warranty-policies')
      .send({ ...policy, policyId: 'proto-policy' })
      .expect(201);
    await http().post('/v1/customers').send(customer('proto')).expect(201);
    const purchase = {
      purchaseId: 'constructor',
      orderId: 'o',
      sku: '__proto__',
      productCategory: 'constructor',
      serialNumber: 'SN-P',
      price: 100,
      currency: 'EUR',
      channel: 'online',
      warranty: { warrantyPolicyId: 'proto-policy', returnWindowDays: 30 },
      occurredAt: '2025-01-02T00:00:00Z',
    };
    await http().post('/v1/customers/proto/purchases').send(purchase).expect(201);

    // A complaint or plan never recorded is not found, whatever its id is called.
    const before = await api.store.headPosition();
    for (const path of [
      '/v1/customers/proto/complaints/toString/acknowledgement',
      '/v1/customers/proto/maintenance-plans/constructor/cancellation',
      '/v1/customers/proto/deliveries/valueOf/completion',
    ]) {
      expectProblem(await http().post(path).send({ occurredAt: '2025-01-03T00:00:00Z' }), 404);
    }
    expect(await api.store.headPosition()).toBe(before);

    await http()
      .post('/v1/customers/proto/complaints')
      .send({
        purchaseId: 'constructor',
        category: 'product_defect',
        severity: 'low',
        channel: 'phone',
        remedySought: 'repair',
        occurredAt: '2025-01-03T00:00:00Z',
      })
      .expect(201);
    await http()
      .post('/v1/customers/proto/repairs')
      .send({
        purchaseId: 'constructor',
        serialNumber: 'SN-P',
        paidBy: 'warranty',
        cost: 10,
        defectCode: 'toString',
        occurredAt: '2025-01-04T00:00:00Z',
      })
      .expect(201);
    const claim = await http()
      .post('/v1/warranty-claims')
      .send({
        customerId: 'proto',
        purchaseId: 'constructor',
        defect: { code: 'valueOf', description: 'Dead' },
        symptom: 'Dead',
        evidence: { proofOfPurchase: true },
        noticedAt: '2025-02-01T00:00:00Z',
        occurredAt: '2025-02-02T00:00:00Z',
      })
      .expect(201);
    const position = claim.headers['x-aftercare-position'] as string;
    const view = await http().get(`/v1/customers/proto?minPosition=${position}`).expect(200);
    expect(view.body.products[0].warranty.commercialEndsAt).toBe('2026-01-02T00:00:00.000Z');
    const complaints = await http()
      .get(`/v1/analytics/complaints-by-sku?minPosition=${position}`)
      .expect(200);
    expect(complaints.body.skus).toContainEqual(
      expect.objectContaining({ sku: '__proto__', unitsSold: 1, complaints: 1 }),
    );
    const repairs = await http().get('/v1/analytics/repairs-by-sku').expect(200);
    expect(repairs.body.skus).toContainEqual(
      expect.objectContaining({
        sku: '__proto__',
        byDefect: [expect.objectContaining({ defectCode: 'toString', repairs: 1 })],
      }),
    );
  });

  it('answers an undecodable URL with 400 problem+json and security headers', async () => {
    const res = await http().get('/v1/customers/%FF');
    expectProblem(res, 400);
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  it('answers what the HTTP parser refuses (raw non-ASCII in the path, 20 KiB of headers) with problem+json', async () => {
    const server = app.getHttpServer() as Server;
    if (!server.listening) await app.listen(0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const raw = (bytes: Buffer) =>
      new Promise<string>((resolve) => {
        let text = '';
        const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
        socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
        socket.on('close', () => resolve(text));
        socket.on('error', () => resolve(text));
      });
    const answers = [
      await raw(
        Buffer.concat([
          Buffer.from('GET /v1/customers/'),
          Buffer.from([0xc3, 0xa9]),
          Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n'),
        ]),
      ),
      await raw(Buffer.from(`GET /v1/customers HTTP/1.1\r\nX-Big: ${'x'.repeat(20_000)}\r\n\r\n`)),
    ];
    expect(answers.map((answer) => answer.split('\r\n')[0])).toEqual([
      'HTTP/1.1 400 Bad Request',
      'HTTP/1.1 431 Request Header Fields Too Large',
    ]);
    for (const answer of answers) {
      const [head, body] = answer.split('\r\n\r\n');
      expect(head).toMatch(/\r\nContent-Type: application\/problem\+json\r\n/);
      expect(JSON.parse(body)).toMatchObject({
        type: expect.any(String),
        status: expect.any(Number),
      });
    }
  });

  it("answers the static files' refusals (.. in the path, If-Match, an unsatisfiable Range) with their 4xx", async () => {
    expectProblem(await http().get('/docs/%2e%2e/v1/customers'), 403);
    expectProblem(await http().get('/docs/swagger-ui.css').set('If-Match', '"nope"'), 412);
    expectProblem(await http().get('/docs/swagger-ui.css').set('Range', 'bytes=999999999-'), 416);
    await http().get('/docs/swagger-ui.css').expect(200);
  });

  it('routes a path with a trailing slash as the path without', async () => {
    expect((await http().get('/v1/customers/ada/')).status).toBe(200);
  });

  it('does not add CORS headers unless origins are configured', async () => {
    const res = await http().get('/v1/customers/ada').set('Origin', 'https://evil.example');
    expect(res.headers['access-control-allow-origin']).toBeUndefined();
  });

  it.each([
    ['a non-finite score', '/v1/customers/ada/feedback', '{"nps":1e309}', 'nps'],
    [
      'a price with 300 decimals',
      '/v1/customers/ada/purchases',
      JSON.stringify({
        orderId: 'o',
        sku: 's',
        productCategory: 'tv',
        price: 1e-300,
        currency: 'EUR',
        channel: 'online',
        warranty: { warrantyPolicyId: 'standard', returnWindowDays: 30 },
      }),
      'price',
    ],
    [
      'a 5,000-deep array in an unknown field',
      '/v1/customers/ada/feedback',
      `{"nps":9,"junk":${'['.repeat(5000)}${']'.repeat(5000)}}`,
      'junk.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0',
    ],
    [
      'a lone surrogate in an e-mail address',
      '/v1/customers',
      JSON.stringify(customer('s1')).replace('ada@example.com', 'ada\\ud800@example.com'),
      'pii.email',
    ],
    [
      'a policy without terms',
      '/v1/warranty-policies',
      JSON.stringify({ ...policy, terms: undefined }),
      'terms',
    ],
    [
      'a policy without coverage months',
      '/v1/warranty-policies',
      JSON.stringify({ ...policy, terms: { ...policy.terms, coverageMonths: undefined } }),
      'terms.coverageMonths',
    ],
    [
      'coverage months by category that are not months',
      '/v1/warranty-policies',
      JSON.stringify({
        ...policy,
        terms: { ...policy.terms, coverageMonths: { default: 12, byCategory: { tv: 1e308 } } },
      }),
      'terms.coverageMonths.byCategory',
    ],
    [
      'a customer without personal data',
      '/v1/customers',
      JSON.stringify({ ...customer('p1'), pii: [] }),
      'pii',
    ],
    [
      'a purchase without its warranty terms',
      '/v1/customers/ada/purchases',
      JSON.stringify({
        orderId: 'o',
        sku: 's',
        productCategory: 'tv',
        price: 10,
        currency: 'EUR',
        channel: 'online',
      }),
      'warranty',
    ],
    [
      'a subscription from null',
      '/v1/subscriptions',
      JSON.stringify({ url: 'https://crm.example.com/h', secret: 's'.repeat(20), from: null }),
      'from',
    ],
    [
      'a webhook with 10,000 types',
      '/v1/subscriptions',
      JSON.stringify({
        url: 'https://crm.example.com/h',
        secret: 's'.repeat(20),
        types: Array.from({ length: 10_000 }, (_, i) => `T${i}`),
      }),
      'types',
    ],
    [
      'a webhook with 51 types',
      '/v1/subscriptions',
      JSON.stringify({
        url: 'https://crm.example.com/h',
        secret: 's'.repeat(20),
        types: Array.from({ length: 51 }, (_, i) => `T${i}`),
      }),
      'types',
    ],
    [
      'February 30th',
      '/v1/customers/ada/feedback',
      '{"nps":9,"occurredAt":"2026-02-30T00:00:00Z"}',
      'occurredAt',
    ],
    [
      'T24:00',
      '/v1/customers/ada/feedback',
      '{"nps":9,"occurredAt":"2026-02-01T24:00:00Z"}',
      'occurredAt',
    ],
    [
      'an instant without an offset',
      '/v1/customers/ada/feedback',
      '{"nps":9,"occurredAt":"2026-02-01T10:00:00"}',
      'occurredAt',
    ],
    [
      'the year 9999',
      '/v1/customers/ada/feedback',
      '{"nps":9,"occurredAt":"9999-01-01T00:00:00Z"}',
      'occurredAt',
    ],
    ['a body that is an array', '/v1/customers/ada/feedback', '[{"nps":9}]', ''],
    [
      'a playbook step that is an array',
      '/v1/playbooks',
      JSON.stringify({ playbookId: 'p1', name: 'P', trigger: 'delivery_completed', steps: [[]] }),
      'steps',
    ],
    [
      'a remedy rule that is an array',
      '/v1/warranty-policies',
      JSON.stringify({
        ...policy,
        terms: { ...policy.terms, remedyRules: [[{ maxAgeDays: 30, remedy: 'replace' }]] },
      }),
      'terms.remedyRules',
    ],

    [
      'a warranty claim whose defect is an array',
      '/v1/warranty-claims',
      JSON.stringify({
        customerId: 'ada',
        purchaseId: 'p1',
        defect: [],
        evidence: { proofOfPurchase: true },
      }),
      'defect',
    ],
    [
      'a warranty claim without evidence',
      '/v1/warranty-claims',
      JSON.stringify({
        customerId: 'ada',
        purchaseId: 'p1',
        defect: { code: 'E1', description: 'Dead', cause: 'manufacturing' },
      }),
      'evidence',
    ],
    [
      'a claimed amount of 1e308',
      '/v1/warranty-claims',
      JSON.stringify({
        customerId: 'ada',
        purchaseId: 'p1',
        defect: { code: 'E1', description: 'Dead', cause: 'manufacturing' },
        evidence: { proofOfPurchase: true },
        claimedAmount: 1e308,
      }),
      'claimedAmount',
    ],
  ])('answers %s with 400 naming the field, and writes nothing', async (_, path, text, field) => {
    const body = await refused(path, text);
    expect(body.errors?.map((e) => e.field)).toContain(field);
  });

  it('caps SSE filters: 1,001 type prefixes are a 400, not an empty 200', async () => {
    const types = Array.from({ length: 1001 }, (_, i) => `T${i}`).join(',');
    const res = await http().get(`/v1/events/stream?type=${types}`);
    expectProblem(res, 400);
    expect(res.body.errors.map((e: { field: string }) => e.field)).toEqual(['type']);
    expectProblem(await http().get('/v1/events/stream?from=99999999999999999999999'), 400);
  });
});

describe('HTTP hardening (configured)', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  const http = () => authed(api.app, api.adminKey);

  beforeAll(async () => {
    api = await startApi({
      AFTERCARE_RATE_LIMIT: '5',
      AFTERCARE_RATE_LIMIT_WINDOW_S: '60',
      AFTERCARE_BODY_LIMIT_KB: '1',
      AFTERCARE_CORS_ORIGINS: 'https://console.example.com',
      AFTERCARE_REQUEST_TIMEOUT_S: '1',
    });
  });
  afterAll(() => api?.close());

  it('allows the configured origins only', async () => {
    const allowed = await http()
      .options('/v1/customers')
      .set('Origin', 'https://console.example.com')
      .set('Access-Control-Request-Method', 'POST')
      .set('Access-Control-Request-Headers', 'authorization,content-type,idempotency-key');
    expect(allowed.status).toBe(204);
    expect(allowed.headers['access-control-allow-origin']).toBe('https://console.example.com');
    expect(allowed.headers['access-control-allow-headers']).toMatch(/Idempotency-Key/);
    const other = await http().get('/v1/customers/x').set('Origin', 'https://evil.example');
    expect(other.headers['access-control-allow-origin']).toBeUndefined();
  });

  it('applies the configured body limit', async () => {
    const res = await http()
      .post('/v1/customers')
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ ...customer('big'), pad: 'x'.repeat(2000) }));
    expect(res.status).toBe(413);
  });

  it('limits each caller separately, answering 429 problem+json with Retry-After', async () => {
    // Earlier requests in this suite already count against this address's limit of 5.
    const statuses: number[] = [];
    let limited: request.Response | undefined;
    for (let i = 0; i < 8; i += 1) {
      const res = await http().get('/v1/customers/nobody');
      statuses.push(res.status);
      if (res.status === 429) limited = res;
    }
    expect(statuses).toContain(429);
    expect(limited?.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(limited?.body).toMatchObject({ status: 429, code: 'too_many_requests' });
    expect(Number(limited?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(Number(limited?.headers['retry-after'])).toBeLessThanOrEqual(60);

    // Another API key is another caller: its own budget, though it comes from the same address.
    const analyst = await createApiKey(api.app, 'analyst');
    const other = await authed(api.app, analyst).get('/v1/customers/nobody');
    expect(other.status).toBe(404);

    // Without a key the address is the caller, and the limit applies before authentication:
    // a flood of unauthenticated requests is refused with 429, not answered 401 forever.
    const anonymous: number[] = [];
    for (let i = 0; i < 7; i += 1) {
      anonymous.push((await request(api.app.getHttpServer()).get('/v1/customers/nobody')).status);
    }
    expect(anonymous.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(anonymous.slice(5)).toEqual([429, 429]);
  });
  it('closes a request whose body stops half-way with 408 once the request timeout passes, writing nothing', async () => {
    const server = api.app.getHttpServer() as Server;
    if (!server.listening) await api.app.listen(0, '127.0.0.1');
    const { port } = server.address() as AddressInfo;
    const before = (await api.store.headPosition()) ?? 0n;
    const body = JSON.stringify(customer('stalled'));
    const answer = await new Promise<string>((resolve) => {
      let text = '';
      const socket = connect(port, '127.0.0.1', () =>
        socket.write(
          `POST /v1/customers HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${api.adminKey}\r\n` +
            `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n` +
            body.slice(0, 20),
        ),
      );
      socket.on('data', (chunk: Buffer) => (text += chunk.toString('latin1')));
      socket.on('close', () => resolve(text));
      socket.on('error', () => resolve(text));
    });
    expect(answer.split('\r\n')[0]).toBe('HTTP/1.1 408 Request Timeout');
    expect((await api.store.headPosition()) ?? 0n).toBe(before);
  });
});
