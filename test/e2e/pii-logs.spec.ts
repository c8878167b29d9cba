import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';

/**
 * What the API writes to its logs never holds personal data: a whole journey, refused requests
 * that carry the data in their bodies, reads, an erasure and a webhook that fails, with logging on.
 */
describe('logs hold no personal data', () => {
  const NAME = 'Ottoline Vasquez-Brandt';
  const EMAIL = 'ottoline.vb@example.net';
  const PHONE = '+4930999888777';
  const saved = { ...process.env };
  let dir: string;
  let app: INestApplication;
  const logged: string[] = [];
  const spies: jest.SpyInstance[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-logs-'));
    Object.assign(process.env, {
      AFTERCARE_STORE: 'sqlite',
      AFTERCARE_SQLITE_PATH: join(dir, 'aftercare.db'),
      AFTERCARE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
      AFTERCARE_WEBHOOK_BACKOFF_MS: '5',
    });
    for (const stream of [process.stdout, process.stderr]) {
      spies.push(
        jest.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => {
          logged.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
          return true;
        }),
      );
    }
    for (const method of ['log', 'error', 'warn', 'info', 'debug'] as const) {
      spies.push(
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => {
          logged.push(args.map((a) => (typeof a === 'string' ? a : JSON.stringify(a))).join(' '));
        }),
      );
    }
    app = await createApiApp(); // the default logger, as `npm start` runs
    await app.init();
  });

  afterAll(async () => {
    await app?.close();
    for (const spy of spies) spy.mockRestore();
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('after a journey with errors, reads and an erasure', async () => {
    const http = authed(app, await createApiKey(app));
    const registration = {
      customerId: 'logged',
      occurredAt: '2025-01-01T09:00:00Z',
      pii: { name: NAME, email: EMAIL, phone: PHONE },
      jurisdiction: 'EU',
      countryCode: 'DE',
      segment: 'consumer',
      signupChannel: 'online',
    };
    // Refused: a bad field next to the personal data, twice the same customer, malformed JSON.
    await http
      .post('/v1/customers')
      .send({ ...registration, segment: 'nobody' })
      .expect(400);
    await http.post('/v1/customers').send(registration).expect(201);
    await http.post('/v1/customers').send(registration).expect(409);
    await http
      .post('/v1/customers')
      .set('content-type', 'application/json')
      .send(`{"pii":{"name":"${NAME}"`)
      .expect(400);
    await http
      .post('/v1/customers/logged/feedback')
      .send({ nps: 2, comment: `Call ${NAME} on ${PHONE}`, occurredAt: '2025-01-02T09:00:00Z' })
      .expect(201);
    // A webhook whose receiver is down: failures are recorded and retried.
    await http
      .post('/v1/subscriptions')
      .send({
        url: 'http://127.0.0.1:9/down',
        categories: ['customer'],
        from: 'start',
        maxAttempts: 2,
      })
      .expect(201);
    await http.get('/v1/customers/logged').expect(200);
    await http.get('/v1/customers/logged/timeline').expect(200);
    await http.post('/v1/customers/logged/pii-erasure').send({}).expect(201);
    await new Promise((resolve) => setTimeout(resolve, 500));

    // The request lines are written within 250 ms (they leave in batches).
    const text = logged.join('');
    expect(text).toContain('/v1/customers/logged/timeline');
    for (const secret of [NAME, EMAIL, PHONE]) expect(text).not.toContain(secret);
  });
});
