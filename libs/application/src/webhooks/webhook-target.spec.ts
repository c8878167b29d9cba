import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkWebhookUrl,
  guardedLookup,
  isRestrictedAddress,
  postWebhook,
  webhookTargetPolicyFromEnv,
} from './webhook-target';

const NOTHING_ALLOWED = webhookTargetPolicyFromEnv({});
const LOOPBACK_ALLOWED = webhookTargetPolicyFromEnv({ AFTERCARE_WEBHOOK_ALLOW_HOSTS: '127.0.0.1' });

describe('webhook targets', () => {
  it.each([
    'http://example.com/hook',
    'https://169.254.169.254/latest/meta-data',
    'https://metadata.google.internal/computeMetadata/v1',
    'https://10.1.2.3/hook',
    'https://192.168.1.10/hook',
    'https://172.20.0.1/hook',
    'https://127.0.0.1/hook',
    'https://localhost/hook',
    'https://[::1]/hook',
    'https://[fd00::1]/hook',
    'https://[fe80::1]/hook',
    'https://[::ffff:169.254.169.254]/hook',
    'https://user:pw@example.com/hook',
  ])('refuses %s at registration', (url) => {
    expect(() => checkWebhookUrl(url, NOTHING_ALLOWED)).toThrow();
  });

  it('accepts public https, and http or a private address only for allowed hosts', () => {
    expect(checkWebhookUrl('https://crm.example.com/hook', NOTHING_ALLOWED).host).toBe(
      'crm.example.com',
    );
    expect(() => checkWebhookUrl('http://127.0.0.1:9000/hook', LOOPBACK_ALLOWED)).not.toThrow();
    expect(() => checkWebhookUrl('http://127.0.0.2:9000/hook', LOOPBACK_ALLOWED)).toThrow();
  });

  it('classifies addresses', () => {
    expect(isRestrictedAddress('169.254.169.254')).toBe(true);
    expect(isRestrictedAddress('100.64.0.1')).toBe(true);
    expect(isRestrictedAddress('8.8.8.8')).toBe(false);
    expect(isRestrictedAddress('2001:4860:4860::8888')).toBe(false);
  });

  it('names the variable when the allow-list is malformed', () => {
    expect(() =>
      webhookTargetPolicyFromEnv({ AFTERCARE_WEBHOOK_ALLOW_HOSTS: 'good.example, bad host/x' }),
    ).toThrow(/AFTERCARE_WEBHOOK_ALLOW_HOSTS/);
  });

  describe('delivery', () => {
    let server: Server;
    let port: number;
    const hits: string[] = [];

    beforeAll(async () => {
      server = createServer((req, res) => {
        hits.push(req.url ?? '');
        req.resume();
        if (req.url === '/redirect') res.writeHead(302, { location: '/target' }).end();
        else res.writeHead(204).end();
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      port = (server.address() as AddressInfo).port;
    });
    afterAll(() => new Promise((resolve) => server.close(resolve)));

    it('reaches an allowed loopback host and does not follow redirects', async () => {
      const post = (path: string) =>
        postWebhook(`http://127.0.0.1:${port}${path}`, {}, '{}', 5000, LOOPBACK_ALLOWED);
      expect(await post('/hook')).toBe(204);
      expect(await post('/redirect')).toBe(302);
      expect(hits).toEqual(['/hook', '/redirect']);
    });

    it('checks the address the socket connects to: a name resolving to loopback is refused', async () => {
      // As after DNS rebinding: a name not on the allow-list that now resolves to loopback.
      const policy = webhookTargetPolicyFromEnv({});
      const refused = await new Promise<Error | null>((resolve) =>
        guardedLookup('localhost', policy)('localhost', {}, (error) => resolve(error)),
      );
      expect(refused?.message).toMatch(/resolves to (127\.0\.0\.1|::1)/);
      const allowed = await new Promise<string>((resolve) =>
        guardedLookup(
          'localhost',
          webhookTargetPolicyFromEnv({ AFTERCARE_WEBHOOK_ALLOW_HOSTS: 'localhost' }),
        )('localhost', {}, (_error, address) => resolve(String(address))),
      );
      expect(allowed).toMatch(/127\.0\.0\.1|::1/);
      expect(() => checkWebhookUrl('https://localhost./hook', policy)).toThrow();
      await expect(
        postWebhook(`http://127.0.0.1:${port}/hook`, {}, '{}', 5000, policy),
      ).rejects.toThrow(/https/);
      expect(hits).toEqual(['/hook', '/redirect']);
    });
  });
});
