import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Params } from 'nestjs-pino';
import pino, { stdSerializers } from 'pino';

type LoggedRequest = IncomingMessage & { id?: unknown; originalUrl?: string };

/**
 * The URL as the client sent it: the middleware engine (middie) sets `url` to the part below the
 * path the logger is mounted at, and keeps the whole in `originalUrl`.
 */
function urlOf(req: LoggedRequest): string | undefined {
  return req.originalUrl ?? req.url;
}

/** What a request line says about the request: no headers (they carry the caller's credentials). */
export function requestSummary(req: LoggedRequest): Record<string, unknown> {
  const correlationId = req.headers['x-correlation-id'];
  return {
    id: req.id,
    method: req.method,
    url: urlOf(req),
    remoteAddress: req.socket?.remoteAddress,
    ...(typeof correlationId === 'string' ? { correlationId: correlationId.slice(0, 200) } : {}),
  };
}

export function responseSummary(res: ServerResponse): Record<string, unknown> {
  return { statusCode: res.statusCode };
}

/**
 * A request line's level: 5xx as errors, 4xx as warnings; a client that goes away first (an SSE
 * subscriber disconnecting) is an ordinary `request aborted`, not an error.
 */
export function requestLogLevel(
  status: number,
  ended: boolean,
  error?: Error,
): 'info' | 'warn' | 'error' {
  if (status >= 500 || (error !== undefined && ended)) return 'error';
  if (status >= 400) return 'warn';
  return 'info';
}

/** Requests that leave no line: the health probes, polled every few seconds. */
export function isQuietRequest(url: string | undefined): boolean {
  return url?.startsWith('/health') === true;
}

/**
 * Logs through pino: one JSON object per line when stdout is not a terminal (files, containers,
 * log shippers: no colour codes), human lines through pino-pretty on a terminal. Requests are
 * logged when they end: 5xx as errors, 4xx as warnings; a client that goes away first (an SSE
 * subscriber disconnecting) is an ordinary `request aborted`, not an error. A request line holds
 * the method, URL, caller address and correlation id, never the headers (an API key is a header).
 */
export function loggingParams(
  stdout: { isTTY?: boolean } = process.stdout,
  destination?: pino.DestinationStream,
): Params {
  const terminal = stdout.isTTY === true;
  const options = {
    level: 'info',
    ...(terminal
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
    // Built from the raw request, not pino's full copy of it with every header.
    wrapSerializers: false,
    serializers: { req: requestSummary, res: responseSummary, err: stdSerializers.err },
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error) =>
      requestLogLevel(res.statusCode, res.writableEnded, error),
    autoLogging: { ignore: (req: LoggedRequest) => isQuietRequest(urlOf(req)) },
  };
  // pino-pretty (a terminal) writes through its own transport.
  return { pinoHttp: destination && !terminal ? [options, destination] : options };
}

/** A log destination that can write what it holds at once. */
export type FlushableDestination = pino.DestinationStream & { flushSync(): void };

const BATCH_CHARS = 4096;
const BATCH_MS = 250;
let stdoutBatch: FlushableDestination | undefined;

/**
 * Stdout for log lines in writes of at least 4 KB or every 250 ms, whichever comes first, instead
 * of a write per line (a request line each: a tenth of a customer read's CPU in the API went to
 * them). What is held is written at exit and at shutdown (`flushSync`). One for the process.
 */
export function batchedStdout(): FlushableDestination {
  if (stdoutBatch) return stdoutBatch;
  let held = '';
  const flushSync = (): void => {
    if (held === '') return;
    const text = held;
    held = '';
    process.stdout.write(text);
  };
  setInterval(flushSync, BATCH_MS).unref();
  process.once('exit', flushSync);
  stdoutBatch = {
    write(line: string): void {
      held += line;
      if (held.length >= BATCH_CHARS) flushSync();
    },
    flushSync,
  };
  return stdoutBatch;
}
