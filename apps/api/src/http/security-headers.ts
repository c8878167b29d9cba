import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';

/**
 * helmet's headers (its defaults: CSP, HSTS, nosniff, frame and referrer policies, ...), worked
 * out once: with this configuration they depend on neither the request nor the response, so every
 * answer gets the same list set on it instead of running helmet's dozen middlewares per request.
 */
export function securityHeaders(): (response: ServerResponse) => void {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  helmet()({} as IncomingMessage, recorder as unknown as ServerResponse, (error?: unknown) => {
    if (error) throw error;
  });
  return (response) => {
    for (const [name, value] of set) response.setHeader(name, value);
    for (const name of removed) response.removeHeader(name);
  };
}
