import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';

/**
 * Logs through pino: one JSON object per line when stdout is not a terminal (files, containers,
 * log shippers: no colour codes), human lines through pino-pretty on a terminal. Requests are
 * logged when they end: 5xx as errors, 4xx as warnings; a client that goes away first (an SSE
 * subscriber disconnecting) is an ordinary `request aborted`, not an error.
 */
export function loggingParams(stdout: { isTTY?: boolean } = process.stdout): Params {
  return {
    pinoHttp: {
      level: 'info',
      ...(stdout.isTTY === true
        ? {
            transport: {
              target: 'pino-pretty',
              options: {
                singleLine: true,
                translateTime: 'SYS:HH:MM:ss.l',
                ignore: 'pid,hostname',
              },
            },
          }
        : {}),
      customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) => {
        if (res.statusCode >= 500 || (error !== undefined && res.writableEnded)) return 'error';
        if (res.statusCode >= 400) return 'warn';
        return 'info';
      },
      // Liveness probes every few seconds would drown the log.
      autoLogging: { ignore: (req: IncomingMessage) => req.url?.startsWith('/health') === true },
    },
  };
}
