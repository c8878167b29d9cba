import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication } from '@nestjs/common';
import { EventFeed, verifyWebhookSignature } from '@aftercare/application';
import { createApiApp } from '../../apps/api/src/bootstrap';
import { authed, createApiKey } from '../support/auth';

/**
 * Webhook secrets are shown once, in the registration's answer, stored sealed and never seen
 * again (not in views, feeds or the database file); delivery targets are checked.
 */
describe('webhook secrets and targets', () => {
  const SECRET = 'the-receivers-own-secret-7f3a9c';
  const saved = { ...process.env };
  let dir: string;
  let app: INestApplication;
  let receiver: Server;
  let receiverUrl: string;
  const received: { body: string; signature: string }[] = [];
  let adminKey: string;
  const http = () => authed(app, adminKey);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'aftercare-hooks-'));
    Object.assign(process.env, {
      AFTERCARE_STORE: 'sqlite',
      AFTERCARE_SQLITE_PATH: join(dir, 'aftercare.db'),
      AFTERCARE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1',
    });
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        received.push({ body, signature: String(req.headers['aftercare-signature']) });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    app = await createApiApp({ logger: false });
    await app.init();
    adminKey = await createApiKey(app);
  });

  afterAll(async () => {
    await app?.close();
    await new Promise((resolve) => receiver.close(resolve));
    process.env = saved;
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the secret once, signs with it, and never returns or stores it in the clear', async () => {
    const created = await http()
      .post('/v1/subscriptions')
      .send({ url: receiverUrl, secret: SECRET, categories: ['customer'] })
      .expect(201);
    expect(created.body.secret).toBe(SECRET);
    const id = created.body.subscriptionId as string;

    await http()
      .post('/v1/customers')
      .send({
        customerId: 'hooked',
        occurredAt: '2025-01-01T09:00:00Z',
        pii: { name: 'Hook Receiver', email: 'hook@example.com' },
        jurisdiction: 'EU',
        countryCode: 'DE',
        segment: 'consumer',
        signupChannel: 'online',
      })
      .expect(201);
    const deadline = Date.now() + 15_000;
    while (received.length === 0 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect(received.length).toBeGreaterThan(0);
    const first = received[0];
    expect(verifyWebhookSignature(SECRET, first.signature, first.body, Date.now() / 1000)).toBe(
      true,
    );

    const views = [
      (await http().get(`/v1/subscriptions/${id}`).expect(200)).body,
      (await http().get('/v1/subscriptions').expect(200)).body,
    ];
    expect(JSON.stringify(views)).not.toContain(SECRET);

    // The webhook's own events, as a service following the feed sees them.
    const cursor = app.get(EventFeed).open({ from: 'start', categories: ['webhook'] });
    const seen: unknown[] = [];
    for await (const message of cursor) {
      if (message.kind === 'caughtUp') break;
      seen.push(message.event.data);
    }
    await cursor.close();
    expect(seen).toContainEqual(expect.objectContaining({ secret: { redacted: true } }));
    expect(JSON.stringify(seen)).not.toContain(SECRET);

    const files = ['aftercare.db', 'aftercare.db-wal']
      .map((f) => join(dir, f))
      .filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f))).toString('latin1');
    expect(bytes).not.toContain(SECRET);
  });

  it('generates a secret when none is given, shown in that answer only', async () => {
    const created = await http().post('/v1/subscriptions').send({ url: receiverUrl }).expect(201);
    expect(created.body.secret).toMatch(/^[A-Za-z0-9_-]{40,}$/);
    const view = await http().get(`/v1/subscriptions/${created.body.subscriptionId}`).expect(200);
    expect(view.body.secret).toBeUndefined();
  });

  it.each([
    'http://169.254.169.254/latest/meta-data/',
    'https://metadata.google.internal/computeMetadata/v1/',
    'https://10.0.0.7/hook',
    'https://192.168.1.1/hook',
    'https://localhost/hook',
    'http://example.com/hook',
  ])('refuses %s with 400 and records nothing', async (url) => {
    const before = (await http().get('/v1/subscriptions').expect(200)).body.length;
    const res = await http().post('/v1/subscriptions').send({ url, secret: SECRET }).expect(400);
    expect(res.headers['content-type']).toContain('application/problem+json');
    expect((await http().get('/v1/subscriptions').expect(200)).body.length).toBe(before);
  });
});
