import Fastify from 'fastify';
import pino from 'pino';
import { loggingParams } from '@aftercare/application';
import { logRequests } from './request-log';

/** A logger with the API's serializers that keeps its lines. */
function capturedLogger(): { logger: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const { serializers } = loggingParams({ isTTY: false }).pinoHttp as pino.LoggerOptions;
  const logger = pino(
    { serializers },
    { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) },
  );
  return { logger, lines };
}

describe('request lines', () => {
  it('one line per request with its method, URL, status and time; none for health probes', async () => {
    const { logger, lines } = capturedLogger();
    const fastify = Fastify();
    logRequests(fastify, () => logger);
    fastify.get('/v1/things/:id', async (request, reply) => {
      const { id } = request.params as { id: string };
      if (id === 'missing') return reply.status(404).send({ code: 'not_found' });
      if (id === 'broken') return reply.status(500).send({ code: 'internal_error' });
      return { id };
    });
    fastify.get('/health/live', async () => ({ status: 'ok' }));
    const headers = { authorization: 'Bearer ak_secret', 'x-correlation-id': 'c-7' };
    for (const url of ['/v1/things/a?x=1', '/v1/things/missing', '/v1/things/broken']) {
      await fastify.inject({ url, headers });
    }
    await fastify.inject({ url: '/health/live' });
    await fastify.close();

    expect(lines.map((line) => [line.level, line.msg, line.res])).toEqual([
      [30, 'request completed', { statusCode: 200 }],
      [40, 'request completed', { statusCode: 404 }],
      [50, 'request errored', { statusCode: 500 }],
    ]);
    expect(lines[0].req).toEqual({
      id: expect.any(String),
      method: 'GET',
      url: '/v1/things/a?x=1',
      remoteAddress: '127.0.0.1',
      correlationId: 'c-7',
    });
    expect(typeof lines[0].responseTime).toBe('number');
    expect(JSON.stringify(lines)).not.toContain('ak_secret');
  });
});
