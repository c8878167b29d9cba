import type { FastifyInstance } from 'fastify';
import type { Logger } from 'pino';
import { isQuietRequest, requestLogLevel } from '@aftercare/application';

/**
 * One line per request from Fastify's own response hooks, as pino-http wrote it (`req`, `res`,
 * `responseTime`; "request completed", "request errored" for a 5xx, "request aborted" for a client
 * that went away first), through the logger's serializers (`requestSummary`: no headers). Run as
 * hooks rather than as pino-http middleware, a request pays neither Fastify's middleware engine
 * nor a child logger and an async context of its own: half the HTTP floor's CPU went there.
 * `logger` is asked for at the first line: nestjs-pino creates it when the application starts.
 */
export function logRequests(fastify: FastifyInstance, logger: () => Logger): void {
  fastify.addHook('onResponse', (request, reply, done) => {
    if (!isQuietRequest(request.url)) {
      const status = reply.statusCode;
      const line = { req: request, res: reply, responseTime: Math.round(reply.elapsedTime) };
      if (status >= 500) {
        logger().error(
          { ...line, err: new Error(`failed with status code ${status}`) },
          'request errored',
        );
      } else {
        logger()[requestLogLevel(status, true)](line, 'request completed');
      }
    }
    done();
  });
  fastify.addHook('onRequestAbort', (request, done) => {
    if (!isQuietRequest(request.url)) {
      logger().info({ req: request }, 'request aborted');
    }
    done();
  });
}
