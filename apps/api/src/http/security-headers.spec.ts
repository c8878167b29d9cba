import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
import { securityHeaders } from './security-headers';

/** A response that keeps the headers set on it. */
function response(): { headers: Map<string, string>; res: ServerResponse } {
  const headers = new Map<string, string>([['x-powered-by', 'something']]);
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  } as unknown as ServerResponse;
  return { headers, res };
}

describe('security headers', () => {
  it('sets on every response exactly what helmet sets, worked out once', () => {
    const direct = response();
    helmet()({} as IncomingMessage, direct.res, () => undefined);
    const apply = securityHeaders();
    for (let i = 0; i < 2; i++) {
      const once = response();
      apply(once.res);
      expect(once.headers).toEqual(direct.headers);
    }
    expect(direct.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(direct.headers.get('x-content-type-options')).toBe('nosniff');
    expect(direct.headers.has('x-powered-by')).toBe(false);
  });
});
