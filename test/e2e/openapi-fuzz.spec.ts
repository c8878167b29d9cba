import { mkdtempSync, rmSync } from 'node:fs';
import { type IncomingMessage, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { EVENT_STORE } from '@aftercare/application';
import type { EventStore } from '@aftercare/event-store';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { bearer, createApiKey } from '../support/auth';
import { operations, resolve, type JsonSchema, type OpenApiDocument } from '../support/openapi';

const RUNS_PER_ROUTE = 110;
const GET_RUNS_PER_ROUTE = 60;
const DAY = 86_400_000;
const SEED = Number(process.env.FUZZ_SEED ?? Date.now() % 1_000_000);

interface Reply {
  status: number;
  contentType: string;
  body: string;
}

/** Collects a response into a Reply. */
function replyOf(res: IncomingMessage, done: (reply: Reply) => void): void {
  const chunks: Buffer[] = [];
  res.on('data', (chunk: Buffer) => chunks.push(chunk));
  res.on('end', () =>
    done({
      status: res.statusCode ?? 0,
      contentType: String(res.headers['content-type'] ?? ''),
      body: Buffer.concat(chunks).toString('utf8'),
    }),
  );
}

/** A malformed request: the raw body text and the content type it is sent with. */
interface FuzzCase {
  kind: string;
  contentType: string | undefined;
  text: string;
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const at = (daysAgo: number): string => new Date(Date.now() - daysAgo * DAY).toISOString();

/** A value the schema accepts, from its example, enum, format and bounds. */
function validValue(spec: OpenApiDocument, raw: JsonSchema | undefined): Json {
  const schema = resolve(spec, raw);
  if (schema.format === 'date-time') return at(20);
  if (schema.example !== undefined) return schema.example as Json;
  if (Array.isArray(schema.enum)) return schema.enum[0] as Json;
  switch (schema.type) {
    case 'object': {
      const properties = (schema.properties ?? {}) as Record<string, JsonSchema>;
      return Object.fromEntries(
        Object.entries(properties).map(([name, property]) => [name, validValue(spec, property)]),
      );
    }
    case 'array':
      return [validValue(spec, schema.items as JsonSchema)];
    case 'integer':
    case 'number':
      return Math.max(Number(schema.minimum ?? 1), 1);
    case 'boolean':
      return true;
    default:
      return 'fuzz-value';
  }
}

/** Dotted paths of every value in a JSON object (nested objects included). */
function pathsOf(value: Json, prefix: string[] = []): string[][] {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return [prefix];
  return [
    ...(prefix.length ? [prefix] : []),
    ...Object.entries(value).flatMap(([key, item]) => pathsOf(item, [...prefix, key])),
  ];
}

function withValue(body: Json, path: string[], value: Json | undefined): Json {
  const copy = structuredClone(body) as Record<string, Json>;
  let target = copy;
  for (const key of path.slice(0, -1)) target = target[key] as Record<string, Json>;
  const last = path[path.length - 1];
  if (value === undefined) delete target[last];
  else target[last] = value;
  return copy;
}

/**
 * Query, path and header values as they arrive on the wire: percent-encoding that does not decode
 * (lone `%`, invalid UTF-8), numbers out of range, dates off the calendar, prototype keys.
 */
const hostileQueryValue: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '%ff%fe',
    '%',
    '%E0%A4%A',
    '%00',
    '%C0%AF',
    '-1',
    '0',
    '1e309',
    'NaN',
    'Infinity',
    '0x10',
    '9'.repeat(30),
    '',
    '%20',
    '__proto__',
    'constructor',
    'null',
    'true',
    '2026-02-30',
    '2026-01-01T24:00:00Z',
    '%2B275760-09-13T00:00:00Z',
    '..%2F..%2Fetc%2Fpasswd',
    encodeURIComponent("'; DROP TABLE events; --"),
    encodeURIComponent('😀'.repeat(50)),
    'x'.repeat(2000),
    // Cursors shaped like the API's own (base64url JSON) holding what it never issues.
    ...[
      [true, 'k'],
      [{}, 'k'],
      [[1, 2], 'k'],
      [1, 'abc'],
    ].map((forged) => Buffer.from(JSON.stringify(forged)).toString('base64url')),
  ),
  fc.string({ unit: 'binary', maxLength: 20 }).map(encodeURIComponent),
  fc.integer().map(String),
  fc.double().map((n) => encodeURIComponent(String(n))),
);

/** A header carries visible ASCII only: the value as sent, undecoded, within those bounds. */
const headerSafe = (value: string): string => value.replace(/[^\x21-\x7e]/g, '');

/** JSON text of an array nested `levels` deep (JSON.stringify would overflow the stack on it). */
const deepText = (levels: number): string => '['.repeat(levels) + ']'.repeat(levels);
const RAW = '__RAW__';

/** Values that are wrong somewhere: types, bounds, sizes, dates, unicode. */
const hostileValue: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(
    null,
    true,
    0,
    -1,
    1.5,
    1e-300,
    1e308,
    -1e308,
    Number.MAX_SAFE_INTEGER,
    '',
    ' ',
    'x'.repeat(5000),
    '\u0000',
    '\u202e\u0041',
    '😀'.repeat(300),
    '2026-02-30T00:00:00Z',
    '2026-01-01T24:00:00Z',
    '2026-01-01T10:00:00',
    '9999-12-31T23:59:59Z',
    '1969-12-31T23:59:59Z',
    '+275760-09-13T00:00:00Z',
    'yesterday',
    '../../etc/passwd',
    "'; DROP TABLE events; --",
    // Names of Object.prototype members: ids, SKUs and categories like any other.
    'constructor',
    'toString',
    '__proto__',
    {},
    [],
    [[[]]],
    { $gt: '' },
    { __proto__: { polluted: true } } as Json,
    Array.from({ length: 1001 }, (_, i) => `T${i}`),
  ),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.integer(),
  fc.double(),
  fc.array(fc.string({ maxLength: 5 }), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.integer(), { maxKeys: 3 }),
);

function fuzzCases(base: Json): fc.Arbitrary<FuzzCase> {
  const paths = pathsOf(base);
  const json = (kind: string, body: Json): FuzzCase => ({
    kind,
    contentType: 'application/json',
    text: JSON.stringify(body),
  });
  const pathArb = paths.length ? fc.constantFrom(...paths) : fc.constant<string[]>(['occurredAt']);
  return fc.oneof(
    // A field of the wrong type, size or range, anywhere in the body.
    fc
      .tuple(pathArb, hostileValue)
      .map(([path, value]) => json('wrong-value', withValue(base, path, value))),
    // A field missing, nested objects included.
    pathArb.map((path) => json('missing-field', withValue(base, path, undefined))),
    // An extra field: ignored if harmless, refused if hostile (deep, huge, non-finite).
    fc
      .tuple(fc.string({ minLength: 1, maxLength: 10 }), hostileValue)
      .map(([key, value]) => json('extra-field', { ...(base as object), [key]: value })),
    // Texts JSON.stringify cannot produce: non-finite numbers, lone surrogates, broken JSON.
    fc
      .tuple(
        pathArb,
        fc.constantFrom(
          '1e309',
          '-1e309',
          '1e-400',
          '"\\ud800"',
          '"\\udfff x"',
          '"a\\u0000b"',
          deepText(100),
          deepText(5000),
        ),
      )
      .map(([path, raw]) => ({
        kind: 'raw-token',
        contentType: 'application/json',
        text: JSON.stringify(withValue(base, path, RAW)).replace(`"${RAW}"`, raw),
      })),
    fc
      .constantFrom(
        '',
        '{',
        '{"a":',
        '[]',
        '[{}]',
        '1',
        '"text"',
        'null',
        'true',
        '{"a":1}}',
        '\u0000',
      )
      .map((text) => ({ kind: 'not-an-object', contentType: 'application/json', text })),
    fc
      .constantFrom(260_000, 1_000_000)
      .map((size) => json('huge', { ...(base as object), padding: 'x'.repeat(size) })),
    fc.constant({
      kind: 'deep',
      contentType: 'application/json',
      text: JSON.stringify({ ...(base as object), nested: RAW }).replace(
        `"${RAW}"`,
        deepText(5000),
      ),
    }),
    // The same body under another content type (or none).
    fc
      .constantFrom(
        undefined,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/xml',
        'application/json; charset=latin1',
      )
      .map((contentType) => ({ kind: 'content-type', contentType, text: JSON.stringify(base) })),
  );
}

/**
 * Fuzz every POST route of the served OpenAPI document with malformed bodies derived from its
 * own request schemas. No answer may be a 5xx, and a refused request may not move the store.
 */
describe('fuzzing every route of the OpenAPI document', () => {
  let dir: string;
  let app: INestApplication;
  let store: EventStore;
  let port: number;
  let adminKey: string;
  /** The entities the path parameters name, so requests reach the domain, not only a 404. */
  const ids: Record<string, string> = {};

  const send = (path: string, contentType: string | undefined, text: string) =>
    new Promise<Reply>((done, fail) => {
      const body = Buffer.from(text, 'utf8');
      const req = httpRequest(
        {
          host: '127.0.0.1',
          port,
          path,
          method: 'POST',
          headers: {
            ...bearer(adminKey),
            'content-length': body.length,
            ...(contentType ? { 'content-type': contentType } : {}),
          },
        },
        (res) => replyOf(res, done),
      );
      // The server may answer 413 and close before reading a huge body.
      req.on('error', (error: NodeJS.ErrnoException) =>
        error.code === 'EPIPE' || error.code === 'ECONNRESET'
          ? done({ status: 413, contentType: 'application/problem+json', body: '' })
          : fail(error),
      );
      req.end(body);
    });

  const sendJson = async (path: string, body: object): Promise<Reply> =>
    send(path, 'application/json', JSON.stringify(body));

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-fuzz-'));
    process.env.AFTERCARE_STORE = 'sqlite';
    process.env.AFTERCARE_SQLITE_PATH = join(dir, 'events.db');
    // Nothing may append in the background, so the head moves only by accepted requests.
    process.env.AFTERCARE_SIGNALS = 'off';
    process.env.AFTERCARE_WEBHOOKS = 'off';
    process.env.AFTERCARE_PLAYBOOKS = 'off';
    app = await createApiApp({ logger: false });
    adminKey = await createApiKey(app);
    await app.listen(0, '127.0.0.1');
    port = (app.getHttpServer().address() as AddressInfo).port;
    store = app.get<EventStore>(EVENT_STORE);

    // Entities the path parameters name, so requests reach the domain, not only a 404.
    const setup: [string, object][] = [
      [
        '/v1/warranty-policies',
        {
          policyId: 'fz-policy',
          name: 'Fuzz policy',
          effectiveFrom: '2020-01-01T00:00:00Z',
          occurredAt: at(400),
          terms: {
            coverageMonths: { default: 24 },
            exclusions: [],
            requireProofOfPurchase: false,
            repeatClaimThreshold: null,
            remedyRules: [],
            defaultRemedy: 'repair',
            maxCoveredAmountRatio: 1,
          },
        },
      ],
      [
        '/v1/customers',
        {
          customerId: 'fz',
          pii: { name: 'Fuzz', email: 'fuzz@example.com' },
          jurisdiction: 'EU',
          countryCode: 'DE',
          segment: 'consumer',
          signupChannel: 'online',
          occurredAt: at(100),
        },
      ],
      [
        '/v1/customers/fz/purchases',
        {
          purchaseId: 'fz-p1',
          orderId: 'o-1',
          sku: 'TV',
          productCategory: 'tv',
          serialNumber: 'SN-FZ',
          price: 500,
          currency: 'EUR',
          channel: 'online',
          warranty: { warrantyPolicyId: 'fz-policy', returnWindowDays: 365 },
          occurredAt: at(90),
        },
      ],
      [
        '/v1/customers/fz/deliveries',
        {
          deliveryId: 'fz-d1',
          purchaseId: 'fz-p1',
          promisedFrom: at(89),
          promisedTo: at(88),
          occurredAt: at(90),
        },
      ],
      [
        '/v1/customers/fz/complaints',
        {
          complaintId: 'fz-k1',
          category: 'delivery',
          severity: 'low',
          channel: 'email',
          remedySought: 'apology',
          occurredAt: at(80),
        },
      ],
      [
        '/v1/customers/fz/returns',
        { returnId: 'fz-r1', purchaseId: 'fz-p1', reason: 'Too big', occurredAt: at(70) },
      ],
      [
        '/v1/customers/fz/maintenance-plans',
        {
          planId: 'fz-plan',
          price: 5,
          currency: 'EUR',
          billingPeriod: 'monthly',
          occurredAt: at(60),
        },
      ],
      [
        '/v1/warranty-claims',
        {
          claimId: 'fz-w1',
          customerId: 'fz',
          purchaseId: 'fz-p1',
          defect: { code: 'E1', description: 'Dead' },
          symptom: 'Dead',
          evidence: { proofOfPurchase: true },
          noticedAt: at(51),
          occurredAt: at(50),
        },
      ],
      [
        '/v1/subscriptions',
        {
          url: 'https://crm.example.com/hook',
          secret: 'a-shared-secret-of-16+',
          categories: ['customer'],
        },
      ],
    ];
    Object.assign(ids, {
      customerId: 'fz',
      deliveryId: 'fz-d1',
      complaintId: 'fz-k1',
      returnId: 'fz-r1',
      planId: 'fz-plan',
      claimId: 'fz-w1',
    });
    for (const [path, body] of setup) {
      const reply = await sendJson(path, body);
      expect({ path, status: reply.status, body: reply.body }).toMatchObject({ status: 201 });
      if (path === '/v1/subscriptions')
        ids.id = (JSON.parse(reply.body) as { subscriptionId: string }).subscriptionId;
    }
  });

  afterAll(async () => {
    delete process.env.AFTERCARE_SIGNALS;
    delete process.env.AFTERCARE_WEBHOOKS;
    delete process.env.AFTERCARE_PLAYBOOKS;
    await app?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it(`answers ${RUNS_PER_ROUTE} malformed bodies per route with 4xx problem+json and writes nothing (seed ${SEED})`, async () => {
    const spec = JSON.parse((await getText('/docs-json')).body) as OpenApiDocument;

    const routes = operations(spec).filter(({ method }) => method === 'post');
    expect(routes.length).toBeGreaterThanOrEqual(20);
    const byStatus: Record<string, number> = {};
    const serverErrors: string[] = [];
    const movedOnRefusal: string[] = [];
    let requests = 0;
    const started = Date.now();

    for (const { path, operation } of routes) {
      const url = path.replace(/\{(\w+)\}/g, (_, name: string) => ids[name] ?? 'fz');
      const schema = operation.requestBody?.content['application/json']?.schema;
      const base = validValue(spec, schema ?? { type: 'object', properties: {} });
      const cases = fc.sample(fuzzCases(base), { numRuns: RUNS_PER_ROUTE, seed: SEED });
      for (const fuzz of cases) {
        const before = await store.headPosition();
        const reply = await send(url, fuzz.contentType, fuzz.text);
        requests += 1;
        byStatus[reply.status] = (byStatus[reply.status] ?? 0) + 1;
        const sample = `POST ${url} [${fuzz.kind}] ${fuzz.contentType} ${fuzz.text.slice(0, 200)}`;
        if (reply.status >= 500) serverErrors.push(`${reply.status} ${sample} -> ${reply.body}`);
        if (reply.status >= 400) {
          if (reply.body !== '' && !reply.contentType.startsWith('application/problem+json')) {
            serverErrors.push(`not problem+json: ${sample} -> ${reply.contentType}`);
          }
          const after = await store.headPosition();
          if (after !== before) movedOnRefusal.push(`${reply.status} ${sample}`);
        }
      }
    }

    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `fuzz: ${requests} requests on ${routes.length} POST routes in ${seconds.toFixed(1)} s (seed ${SEED}); by status ${JSON.stringify(byStatus)}\n`,
    );
    expect(serverErrors.slice(0, 10)).toEqual([]);
    expect(movedOnRefusal.slice(0, 10)).toEqual([]);
    expect(requests).toBeGreaterThanOrEqual(routes.length * 100);
  }, 300_000);

  it(`answers ${GET_RUNS_PER_ROUTE} hostile path, query and header values per GET route with a 2xx or a 4xx problem+json, writing nothing (seed ${SEED})`, async () => {
    const spec = JSON.parse((await getText('/docs-json')).body) as OpenApiDocument;
    // The event feed never ends by design; its parameters share the parsers fuzzed here.
    const routes = operations(spec).filter(
      ({ method, operation }) =>
        method === 'get' && !operation.responses['200']?.content?.['text/event-stream'],
    );
    expect(routes.length).toBeGreaterThanOrEqual(30);
    const serverErrors: string[] = [];
    const byStatus: Record<string, number> = {};
    const before = await store.headPosition();
    let requests = 0;

    for (const { path, operation } of routes) {
      const parameters = operation.parameters ?? [];
      const cases = fc.sample(
        fc.record({
          parameter: fc.constantFrom(...parameters.map((p) => p), { name: '', in: 'none' }),
          value: hostileQueryValue,
          shape: fc.constantFrom('plain', 'repeated', 'array', 'object'),
        }),
        { numRuns: GET_RUNS_PER_ROUTE, seed: SEED },
      );
      for (const { parameter, value, shape } of cases) {
        let url = path.replace(/\{(\w+)\}/g, (_, name: string) =>
          parameter.in === 'path' && parameter.name === name ? value : (ids[name] ?? 'fz'),
        );
        const headers: Record<string, string> = {};
        if (parameter.in === 'query') {
          const key = {
            plain: parameter.name,
            repeated: parameter.name,
            array: `${parameter.name}[]`,
            object: `${parameter.name}[a]`,
          }[shape];
          url += `?${key}=${value}${shape === 'repeated' ? `&${key}=${value}` : ''}`;
        }
        if (parameter.in === 'header') headers[parameter.name] = headerSafe(value);
        const reply = await getRaw(url, headers);
        requests += 1;
        byStatus[reply.status] = (byStatus[reply.status] ?? 0) + 1;
        const sample = `GET ${url} ${JSON.stringify(headers)}`;
        if (reply.status >= 500 && reply.status !== 503) {
          serverErrors.push(`${reply.status} ${sample} -> ${reply.body.slice(0, 300)}`);
        }
        if (reply.status >= 400 && !reply.contentType.startsWith('application/problem+json')) {
          serverErrors.push(`not problem+json: ${sample} -> ${reply.status} ${reply.contentType}`);
        }
      }
    }

    process.stdout.write(
      `query fuzz: ${requests} requests on ${routes.length} GET routes (seed ${SEED}); by status ${JSON.stringify(byStatus)}\n`,
    );
    expect(serverErrors.slice(0, 10)).toEqual([]);
    expect(await store.headPosition()).toBe(before);
  }, 300_000);

  function getRaw(path: string, headers: Record<string, string>): Promise<Reply> {
    return new Promise((done, fail) => {
      httpRequest(
        { host: '127.0.0.1', port, path, headers: { ...bearer(adminKey), ...headers } },
        (res) => replyOf(res, done),
      )
        .on('error', fail)
        .end();
    });
  }

  function getText(path: string): Promise<Reply> {
    return getRaw(path, {});
  }
});
