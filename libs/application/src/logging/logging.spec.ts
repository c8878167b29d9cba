import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Options } from 'pino-http';
import { loggingParams, requestSummary } from './logging';

const httpOptions = (isTTY: boolean): Options => loggingParams({ isTTY }).pinoHttp as Options;
const levelOf = (status: number, ended: boolean, error?: Error): string =>
  httpOptions(false).customLogLevel!(
    {} as IncomingMessage,
    { statusCode: status, writableEnded: ended } as ServerResponse,
    error,
  );

describe('logging', () => {
  it('writes JSON lines when stdout is not a terminal, pretty lines on a terminal', () => {
    expect(httpOptions(false).transport).toBeUndefined();
    expect(httpOptions(true).transport).toMatchObject({ target: 'pino-pretty' });
  });

  it('logs a client that went away (an SSE subscriber disconnecting) as info, not as an error', () => {
    expect(levelOf(200, false)).toBe('info');
    expect(levelOf(200, true)).toBe('info');
    expect(levelOf(404, true)).toBe('warn');
    expect(levelOf(500, true)).toBe('error');
    expect(levelOf(200, true, new Error('write failed'))).toBe('error');
  });

  it('logs the method, URL and correlation id of a request, never its headers (the API key is one)', () => {
    const req = {
      id: 7,
      method: 'GET',
      url: '/v1/customers/ada',
      headers: { authorization: 'Bearer ak_0123456789abcdef_secret', 'x-correlation-id': 'c-1' },
      socket: { remoteAddress: '127.0.0.1' },
    } as unknown as IncomingMessage;
    const line = JSON.stringify(requestSummary(req));
    expect(JSON.parse(line)).toEqual({
      id: 7,
      method: 'GET',
      url: '/v1/customers/ada',
      remoteAddress: '127.0.0.1',
      correlationId: 'c-1',
    });
    expect(line).not.toContain('ak_');
  });

  it('logs the whole URL below a mounted middleware (url is then the rest, originalUrl the whole)', () => {
    const mounted = (originalUrl: string) =>
      ({ method: 'GET', url: '/', originalUrl, headers: {} }) as unknown as IncomingMessage;
    expect(requestSummary(mounted('/v1/customers/ada?x=1')).url).toBe('/v1/customers/ada?x=1');
    const ignore = (httpOptions(false).autoLogging as { ignore(req: IncomingMessage): boolean })
      .ignore;
    expect(ignore(mounted('/health/live'))).toBe(true);
    expect(ignore(mounted('/v1/customers/ada'))).toBe(false);
  });
});
